"""``grader export gradescope``: the autograder zip, and its run_autograder in a mock /autograder."""

from __future__ import annotations

import json
import os
import site
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli.batch import cli
from grader.cli.exit_codes import ExitCode
from grader.export import build_autograder_zip
from grader.export.gradescope import GradescopeExportError, export_gradescope
from grader.export.autograder import main as autograder_main
from tests.batch.helpers import GOOD, TOY_ROOT

runner = CliRunner()


def test_the_zip_holds_the_scripts_the_grader_and_the_hidden_tests_but_no_solution(tmp_path):
    path = build_autograder_zip("toy", dest=tmp_path / "ag.zip", root=TOY_ROOT)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        setup = zf.read("setup.sh").decode()
        run = zf.read("run_autograder").decode()
    assert {"setup.sh", "run_autograder", "README.txt", "grader_src/pyproject.toml",
            "assignment/rubrics/toy/rubric.yaml", "assignment/rubrics/toy/tests/test_toy.py",
            "grader_src/grader/report/templates/report.html.j2",
            "grader_src/grader/batch/templates/summary.html.j2"} <= names
    assert stat.S_IMODE(modes["setup.sh"]) == 0o755 and stat.S_IMODE(modes["run_autograder"]) == 0o755
    # the reference only under check/, for setup.sh's own check, which then deletes it; no template
    assert {n for n in names if "reference" in n.split("/")} == {
        "check/reference/calc.py", "check/reference/answers.md", "check/reference/test_public.py"}
    assert not [n for n in names if "student_template" in n or "__pycache__" in n]
    assert 'rm -rf "$HERE/check" "$HERE/data"' in setup
    assert setup.index("--check --assignment toy") < setup.index('rm -rf "$HERE/check"')
    assert "--index-url https://download.pytorch.org/whl/cpu" in setup and "chmod -R go-rwx" in setup
    assert "--assignment toy" in run and "/autograder" in run
    assert path.read_bytes() == build_autograder_zip("toy", dest=tmp_path / "again.zip", root=TOY_ROOT).read_bytes()
    for script in ("setup.sh", "run_autograder"):
        check = subprocess.run(["bash", "-n", "/dev/stdin"], input=(setup if script == "setup.sh" else run),
                               text=True, capture_output=True)
        assert check.returncode == 0, check.stderr


def test_the_command_writes_the_zip_and_says_it_uses_the_rlimit_sandbox(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_HOME", str(TOY_ROOT))
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(cli, ["export", "gradescope", "toy", "-o", str(tmp_path / "toy.zip")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "toy.zip").is_file()
    said = " ".join(result.output.split())
    assert "rlimit sandbox" in said and "without file-system or network isolation" in said


def test_a_grader_failure_still_leaves_a_results_json_that_flags_a_regrade(tmp_path, capsys):
    (tmp_path / "submission").mkdir()
    code = autograder_main(["--assignment", "nope", "--source", str(tmp_path), "--submission",
                            str(tmp_path / "submission"), "--results", str(tmp_path / "results")])
    assert code == 0
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    assert data["score"] == 0 and data["extra_data"]["regrade"] is True
    assert "not your fault" in data["output"]
    assert "sandbox 'rlimit'" in capsys.readouterr().out


@pytest.mark.slow
def test_run_autograder_grades_in_a_mock_gradescope_container_with_the_zipped_grader(tmp_path):
    zipped = build_autograder_zip("toy", dest=tmp_path / "toy.zip", root=TOY_ROOT)
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zipped) as zf:
        zf.extractall(root / "source")
    (root / "submission").mkdir()
    (root / "submission" / "calc.py").write_text(GOOD)
    # python -S: no site hooks, so this checkout's editable install cannot shadow the zipped grader
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nexec {sys.executable} -S "$@"\n')
    python.chmod(0o755)
    paths = [str(root / "source" / "grader_src"), *site.getsitepackages()]
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": str(python),
           "PYTHONPATH": os.pathsep.join(paths)}
    env.pop("GRADER_HOME", None)
    which = subprocess.run([str(python), "-c", "import grader; print(grader.__file__)"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, check=True)
    assert which.stdout.startswith(str(root / "source" / "grader_src")), which.stdout  # the zipped copy runs
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "sandbox 'rlimit'" in proc.stdout
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 5 and data["extra_data"]["sandbox"] == "rlimit"
    assert [t["number"] for t in data["tests"]] == ["1.1", "1.2", "1.3", "1.4"]


def _mock_autograder(tmp_path, zipped):
    """Gradescope's tree: the zip unpacked in /autograder/source, the zipped grader first on the path."""
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zipped) as zf:
        zf.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        (root / "source" / script).chmod(0o755)
    # python -S: no site hooks, so this checkout's editable install cannot shadow the zipped grader
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nexec {sys.executable} -S "$@"\n')
    python.chmod(0o755)
    paths = [str(root / "source" / "grader_src"), *site.getsitepackages()]
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": str(python),
           "PYTHONPATH": os.pathsep.join(paths), "GRADER_DATA": str(tmp_path / "opt-data")}
    env.pop("GRADER_HOME", None)
    return root, env


def test_setup_check_grades_the_reference_in_the_built_tree_and_fails_on_a_broken_one(tmp_path):
    zipped = build_autograder_zip("toy", dest=tmp_path / "toy.zip", root=TOY_ROOT)
    root, env = _mock_autograder(tmp_path, zipped)
    setup = root / "source" / "setup.sh"
    proc = subprocess.run(["bash", str(setup), "--check"], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "ok: the reference solution earns every automatic point here (5 of 5" in proc.stdout
    assert stat.S_IMODE((root / "source" / "check").stat().st_mode) & 0o077 == 0  # root-only
    # the check can fail: a reference that loses a point fails the build and says which item
    calc = root / "source" / "check" / "reference" / "calc.py"
    calc.chmod(0o644)
    calc.write_text(calc.read_text().replace("return a + b", "return a - b"))
    proc = subprocess.run(["bash", str(setup), "--check"], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "check FAILED" in proc.stdout and "1.1 add: 0 of 2" in proc.stdout
    # and with no reference left (setup.sh deleted it), the check says so instead of passing
    import shutil

    shutil.rmtree(root / "source" / "check")
    proc = subprocess.run(["bash", str(setup), "--check"], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "no reference solution" in proc.stdout


HOMEWORKS = ("nyu-dl-hw1", "nyu-dl-hw2", "cs446-hw3", "comp499-a1", "ee150-ps3")


@pytest.mark.parametrize("assignment", HOMEWORKS)
def test_every_homework_zip_carries_or_fetches_its_datasets(tmp_path, assignment):
    from grader.api import load_assignment
    from grader.datasets import get_dataset

    _, rubric = load_assignment(assignment)
    done = export_gradescope(assignment, dest=tmp_path / "a.zip")
    assert [p.name for p in done.datasets] == list(rubric.datasets)
    with zipfile.ZipFile(done.path) as zf:
        names = set(zf.namelist())
        setup = zf.read("setup.sh").decode()
        readme = zf.read("README.txt").decode()
    for plan in done.datasets:
        dataset = get_dataset(plan.name)
        assert plan.how == "bundled" and plan.size == sum(f.size for f in dataset.files)
        assert {f"data/{plan.name}/{f.path}" for f in dataset.files} <= names
        assert f'cp -R "$HERE/data/{plan.name}/." "$GRADER_DATA/{plan.name}/"' in setup
        assert setup.index(f"-m grader data verify {plan.name}") > setup.index(f'"$HERE/data/{plan.name}/."')
        for trusted in dataset.trusted_files:
            assert f'chmod go-rwx "$GRADER_DATA/{plan.name}/{trusted}"' in setup
            assert f'/data/{plan.name}/{trusted}"' not in setup  # held-out labels never reach the worker's /data
        for visible in dataset.sandbox_files:
            assert f'ln -sfn "$GRADER_DATA/{plan.name}/{visible}" "/data/{plan.name}/{visible}"' in setup
        assert f"dataset {plan.name}: bundled ({plan.size / 1e6:.1f} MB)" in readme
    assert any(n.startswith("check/reference/") for n in names)
    fetched = export_gradescope(assignment, dest=tmp_path / "b.zip", datasets="fetch")
    with zipfile.ZipFile(fetched.path) as zf:
        assert not [n for n in zf.namelist() if n.startswith("data/")]
        setup = zf.read("setup.sh").decode()
    for name in rubric.datasets:
        assert f"-m grader data fetch {name} --no-progress" in setup


def test_a_dataset_that_cannot_reach_gradescope_refuses_the_export(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_DATA", str(tmp_path / "empty"))
    with pytest.raises(GradescopeExportError, match="needs dataset 'cameraman'.*grader data import cameraman"):
        export_gradescope("cs446-hw3", dest=tmp_path / "c.zip", datasets="bundle")
    assert not (tmp_path / "c.zip").exists()
    result = runner.invoke(cli, ["export", "gradescope", "cs446-hw3", "-o", str(tmp_path / "c.zip"),
                                 "--datasets", "bundle"])
    assert result.exit_code == ExitCode.USAGE_ERROR and "grader data import cameraman" in result.output
    # auto falls back to a checksummed download by setup.sh, and says so with the size
    result = runner.invoke(cli, ["export", "gradescope", "cs446-hw3", "-o", str(tmp_path / "c.zip")])
    assert result.exit_code == 0, result.output
    assert "dataset cameraman: 0.1 MB, downloaded by setup.sh" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("assignment", HOMEWORKS)
def test_setup_check_earns_full_automatic_marks_for_every_homework_in_a_mock_gradescope_tree(tmp_path, assignment):
    """What setup.sh does after installing: import the bundled data, hide it, grade the reference (rlimit)."""
    import shutil
    from grader.datasets import SANDBOX_DATA_DIR

    zipped = build_autograder_zip(assignment, dest=tmp_path / "a.zip")
    root, env = _mock_autograder(tmp_path, zipped)
    # setup.sh links the datasets under /data, as it may in Gradescope's image; here, in a
    # private mount namespace with an empty /data, so this machine's / is left as it was
    existed = Path(SANDBOX_DATA_DIR).exists()
    command = [shutil.which("bwrap") or "bwrap", "--dev-bind", "/", "/", "--tmpfs", SANDBOX_DATA_DIR, "--",
               "bash", str(root / "source" / "setup.sh"), "--check"]
    try:
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    finally:
        if not existed and Path(SANDBOX_DATA_DIR).is_dir() and not any(Path(SANDBOX_DATA_DIR).iterdir()):
            Path(SANDBOX_DATA_DIR).rmdir()  # the empty mount point bwrap made
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]
    assert "ok: the reference solution earns every automatic point here" in proc.stdout
    from grader.datasets import get_dataset
    from grader.api import load_assignment

    for name in load_assignment(assignment)[1].datasets:
        for trusted in get_dataset(name).trusted_files:
            assert stat.S_IMODE((tmp_path / "opt-data" / name / trusted).stat().st_mode) & 0o077 == 0
