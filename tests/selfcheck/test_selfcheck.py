"""The student's self-check and packing, on the toy assignment's generated template."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from grader.api import build_assignment_template, check_template_fresh
from grader.authoring.public_spec import SPEC_FILE, load_spec
from grader.authoring.student_repo import WORKFLOW_FILE
from grader.cli.app import app
from grader.cli.exit_codes import ExitCode
from grader.selfcheck import PackError, pack_submission, run_self_check
from tests.engine.conftest import TOY_ROOT

TEMPLATE = TOY_ROOT / "student_template" / "toy"
REFERENCE = TOY_ROOT / "reference" / "toy"
HIDDEN = TOY_ROOT / "rubrics" / "toy" / "tests"
runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    copy = tmp_path / "hw"
    shutil.copytree(TEMPLATE, copy)
    return copy


def failing(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{line.step}: {line.detail} | {line.fix}" for line in report.lines if not line.ok]


def test_toy_template_is_fresh():
    assert check_template_fresh("toy", root=TOY_ROOT) == []


def test_untouched_template_lists_every_unfinished_part(workdir):
    report = run_self_check(workdir, load_spec(workdir / SPEC_FILE))
    text = "\n".join(failing(report))
    assert "calc.py:2 still raises NotImplementedError (add: write this part)" in text
    assert "calc.py:6 still raises NotImplementedError (scale: write this part)" in text
    assert "test_add_small_numbers failed" in text
    assert not report.ok


def test_reference_files_pass_every_check(workdir):
    shutil.copy(REFERENCE / "calc.py", workdir / "calc.py")
    report = run_self_check(workdir, load_spec(workdir / SPEC_FILE))
    assert report.ok, failing(report)
    steps = {line.step for line in report.lines}
    assert {"files", "interface", "rules", "imports", "public tests", "smoke"} <= steps


def test_a_misnamed_file_is_caught_with_the_right_name_suggested(workdir):
    shutil.copy(REFERENCE / "calc.py", workdir / "Calc.py")
    (workdir / "calc.py").unlink()
    report = run_self_check(workdir, load_spec(workdir / SPEC_FILE), smoke=False)
    line = next(line for line in report.lines if line.step == "files")
    assert not line.ok and line.fix == "rename Calc.py to calc.py" and line.points_at_stake == 5


def test_changed_signature_and_broken_rule_are_reported_with_points(workdir):
    (workdir / "calc.py").write_text("import numpy\n\ndef add(a, b, c=0):\n    return a + b\n\n"
                                     "def scale(t, k):\n    return t * k\n")
    report = run_self_check(workdir, load_spec(workdir / SPEC_FILE), smoke=False)
    text = "\n".join(failing(report))
    assert "add(a, b, c) differs from the expected add(a, b)" in text
    rule = next(line for line in report.lines if line.step == "rules")
    assert not rule.ok and "imports numpy" in rule.detail and rule.points_at_stake == 1


def test_import_errors_point_at_the_students_line(workdir):
    (workdir / "calc.py").write_text("def add(a, b):\n    return a + b\n\nscale = undefined_name\n")
    report = run_self_check(workdir, load_spec(workdir / SPEC_FILE), smoke=False)
    line = next(line for line in report.lines if line.step == "imports")
    assert not line.ok and "calc.py:4" in line.detail and "NameError" in line.detail


def test_a_module_the_grading_environment_lacks_is_named_with_what_to_do(workdir):
    (workdir / "calc.py").write_text("import tensorflow\n\ndef add(a, b):\n    return a + b\n")
    report = run_self_check(workdir, load_spec(workdir / SPEC_FILE), smoke=False)
    line = next(line for line in report.lines if line.step == "imports")
    assert not line.ok and "The grading environment does not have tensorflow" in line.detail, line.detail
    assert "tensorflow_datasets" in line.detail, "the message should say what to use instead"


def test_cli_check_exit_codes(workdir, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["check", str(workdir), "--no-smoke"])  # untouched: not done yet, nothing broken
    assert result.exit_code == ExitCode.UNFINISHED and "Not finished yet" in result.output, result.output
    (workdir / "calc.py").write_text((workdir / "calc.py").read_text() + "\ndef broken(:\n")
    result = runner.invoke(app, ["check", str(workdir), "--no-smoke"])  # broken: something to fix
    assert result.exit_code == ExitCode.CHECK_FAILED and "things to fix" in result.output
    shutil.copy(REFERENCE / "calc.py", workdir / "calc.py")
    result = runner.invoke(app, ["check", str(workdir)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["check", str(workdir.parent)])
    assert result.exit_code == ExitCode.USAGE_ERROR and SPEC_FILE in result.output


def test_pack_takes_exactly_the_required_files_and_warns_on_big_ones(workdir, tmp_path):
    spec = load_spec(workdir / SPEC_FILE)
    (workdir / "notes.txt").write_text("not submitted")
    (workdir / "answers.md").write_bytes(b"x" * (2 * 2**20))
    result = pack_submission(workdir, spec, tmp_path / "out.zip")
    assert sorted(zipfile.ZipFile(result.path).namelist()) == ["answers.md", "calc.py"]
    assert any("answers.md is 2.0 MiB" in w for w in result.warnings)
    (workdir / "calc.py").unlink()
    with pytest.raises(PackError, match="calc.py missing"):
        pack_submission(workdir, spec, tmp_path / "out2.zip")


def test_no_hidden_test_or_expected_value_reaches_the_template_or_the_check_output(workdir, monkeypatch):
    secrets = ["SECRET-MARKER-7f3a", "test_add_ints", "test_add_floats", "0.75"]
    for path in TEMPLATE.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert not any(s in text for s in secrets), (path, [s for s in secrets if s in text])
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["check", str(workdir)])
    assert not any(s in result.output for s in secrets)


def test_workflow_is_valid_and_its_commands_pass_when_run_as_written(workdir):
    workflow = yaml.safe_load((workdir / WORKFLOW_FILE).read_text())
    steps = workflow["jobs"]["check"]["steps"]
    assert workflow[True] == ["push", "pull_request"]  # YAML 1.1 reads the key `on` as True
    assert any(s.get("uses", "").startswith("actions/setup-python") and s["with"]["cache"] == "pip" for s in steps)
    install = next(s for s in steps if s.get("name", "").startswith("Install CPU-only torch"))
    assert "torch==2.13.0" in install["run"] and "download.pytorch.org/whl/cpu" in install["run"]
    bubblewrap = next(s for s in steps if "bubblewrap" in s.get("name", ""))
    assert "apt-get update" in bubblewrap["run"] and "|| true" not in bubblewrap["run"]
    assert "::warning" in bubblewrap["run"] and "rlimit" in bubblewrap["run"]
    check = next(s for s in steps if s.get("name") == "Self-check")
    assert "grader check" in check["run"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "200",
           "GITHUB_ACTIONS": "true"}

    def run_step() -> subprocess.CompletedProcess[str]:  # the step's script as the runner runs it
        return subprocess.run(["bash", "-e", "-c", check["run"]], cwd=workdir, env=env, capture_output=True,
                              text=True, timeout=300)

    done = run_step()  # untouched: green, with a notice per unfinished part
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-2000:])
    assert "::notice title=Not finished yet::" in done.stdout
    assert "::notice file=calc.py,line=2," in done.stdout and "::error" not in done.stdout
    (workdir / "calc.py").write_text("def add(a, b):\n    return a +\n")  # broken: a red cross
    done = run_step()
    assert done.returncode == ExitCode.CHECK_FAILED and "::error" in done.stdout
    shutil.copy(REFERENCE / "calc.py", workdir / "calc.py")
    done = run_step()
    assert done.returncode == 0 and "All checks passed" in done.stdout, done.stdout[-3000:]
    assert "::notice" not in done.stdout


def test_template_build_writes_the_student_repo_files(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(TOY_ROOT, root)
    shutil.rmtree(root / "student_template")
    written = build_assignment_template("toy", root=root)
    assert {str(p) for p in written} >= {SPEC_FILE, "README.md", WORKFLOW_FILE, "calc.py", "test_public.py"}
    readme = (root / "student_template" / "toy" / "README.md").read_text()
    assert "grader check" in readme and "grader pack" in readme


def test_answers_file_entries_left_empty_are_listed_as_unfinished(tmp_path):
    """A written homework: the template's empty entries are unfinished parts; a broken file says why."""
    from grader.authoring.public_spec import PublicItem, PublicSpec
    from grader.rubric.schema import SelfCheck
    from grader.selfcheck.check import run_self_check

    spec = PublicSpec(assignment="demo", title="demo", total=3, required_files=("answers.yaml",),
                      items=(PublicItem(id="1.1", title="a", points=1, kind="tests"),
                             PublicItem(id="1.2", title="b", points=2, kind="manual")),
                      rules=(), interfaces={}, self_check=SelfCheck(), answers_file="answers.yaml",
                      answer_keys=("1.1", "1.2"))
    (tmp_path / "answers.yaml").write_text('"1.1": 3\n"1.2": ""\n')
    report = run_self_check(tmp_path, spec, smoke=False)
    unfinished = [line for line in report.lines if line.step == "unfinished"]
    assert [line.detail for line in unfinished] == ["answers.yaml: no answer yet for 1.2"]
    assert unfinished[0].points_at_stake == 2
    (tmp_path / "answers.yaml").write_text('"1.1": [3\n')
    report = run_self_check(tmp_path, spec, smoke=False)
    assert any(line.step == "answers" and not line.ok and "line" in line.detail for line in report.lines)


def test_check_reads_formulas_with_the_graders_parser(tmp_path):
    """nyu-dl-hw2: the reference's formulas pass; "2r + k - 2" is caught, as grading rejects it."""
    from grader.checks.expressions import check_equivalent

    root = Path(__file__).parents[2]
    work = tmp_path / "hw2"
    shutil.copytree(root / "student_template" / "nyu-dl-hw2", work)
    shutil.copy(root / "reference" / "nyu-dl-hw2" / "answers.yaml", work / "answers.yaml")
    spec = load_spec(work / SPEC_FILE)
    report = run_self_check(work, spec, smoke=False)
    assert not [line for line in report.lines if line.step == "answers" and not line.ok], failing(report)
    text = (work / "answers.yaml").read_text()
    assert '"1.1.3.a.index": "2*(r - 1) + k"' in text
    (work / "answers.yaml").write_text(text.replace('"1.1.3.a.index": "2*(r - 1) + k"',
                                                    '"1.1.3.a.index": "2r + k - 2"'))
    report = run_self_check(work, spec, smoke=False)
    bad = [line for line in report.lines if line.step == "answers" and not line.ok]
    assert len(bad) == 1 and "1.1.3.a.index" in bad[0].detail and "2r + k - 2" in bad[0].detail
    assert bad[0].points_at_stake > 0
    assert not check_equivalent("2r + k - 2", "2*(r - 1) + k", ["r", "k"]).ok  # grading rejects it too


def test_pack_lists_unfinished_parts_and_needs_force_without_a_terminal(workdir, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out = tmp_path / "s.zip"
    result = runner.invoke(app, ["pack", str(workdir), "-o", str(out)])  # CliRunner's stdin is not a terminal
    assert result.exit_code == ExitCode.CHECK_FAILED and not out.exists()
    assert "calc.py:2 still raises NotImplementedError" in result.output and "--force" in result.output
    result = runner.invoke(app, ["pack", str(workdir), "-o", str(out), "--force"])
    assert result.exit_code == 0 and out.is_file() and "parts are unfinished" in result.output
    shutil.copy(REFERENCE / "calc.py", workdir / "calc.py")
    out.unlink()
    result = runner.invoke(app, ["pack", str(workdir), "-o", str(out)])
    assert result.exit_code == 0 and out.is_file() and "parts are unfinished" not in result.output


def test_a_public_test_failure_names_the_functions_in_the_order_they_run(tmp_path):
    """nyu-dl-hw1: a wrong mse_loss fails a gradient test; the fix names mse_loss before MLP.backward."""
    from grader.selfcheck.check import suspects

    root = Path(__file__).parents[2]
    work = tmp_path / "hw1"
    shutil.copytree(root / "student_template" / "nyu-dl-hw1", work)
    spec = load_spec(work / SPEC_FILE)
    order = suspects(work / "test_public.py", "test_relu_identity_mse", spec)
    assert order.index("MLP.forward") < order.index("mse_loss") < order.index("MLP.backward")
    assert "bce_loss" not in order
    assert suspects(work / "test_public.py", "test_gradient_descent_returns_an_image", spec) == ["gradient_descent"]
    for name in ("mlp.py", "gd.py"):
        shutil.copy(root / "reference" / "nyu-dl-hw1" / name, work / name)
    source = (work / "mlp.py").read_text()
    start = source.index("def mse_loss")
    body_end = source.index("def bce_loss")
    wrong = source[start:body_end].replace("return J, dJdy_hat", "return J, 3 * dJdy_hat")
    assert wrong != source[start:body_end], "the reference's mse_loss changed: update this test's edit"
    (work / "mlp.py").write_text(source[:start] + wrong + source[body_end:])
    report = run_self_check(work, spec, smoke=False)
    failed = [line for line in report.lines if line.step == "public tests" and not line.ok]
    mse_tests = [line for line in failed if "mse" in line.detail]
    assert mse_tests and all("mse_loss, MLP.backward" in line.fix for line in mse_tests), failing(report)
    assert not any("bce" in line.detail for line in failed)  # bce_loss's test still passes
