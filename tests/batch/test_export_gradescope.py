"""``grader export gradescope``: the autograder zip, and its run_autograder in a mock /autograder."""

from __future__ import annotations

import json
import os
import site
import stat
import subprocess
import sys
import zipfile

import pytest
from typer.testing import CliRunner

from grader.cli.batch import cli
from grader.export import build_autograder_zip
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
    assert not [n for n in names if "reference" in n.split("/") or "student_template" in n or "__pycache__" in n]
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
