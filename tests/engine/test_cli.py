"""The ``grader`` command: exit codes say whether grading worked, messages say what to do."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader._version import __version__
from grader.cli.app import app
from grader.cli.exit_codes import ExitCode
from tests.engine.conftest import GOOD_CALC, TOY_ROOT

runner = CliRunner()


@pytest.fixture(autouse=True)
def toy_home(monkeypatch):
    monkeypatch.setenv("GRADER_HOME", str(TOY_ROOT))
    monkeypatch.setenv("COLUMNS", "160")


def test_grade_writes_reports_and_prints_where(tmp_path):
    sub = tmp_path / "calc.py"
    sub.write_text(GOOD_CALC)
    out = tmp_path / "out"
    result = runner.invoke(app, ["grade", str(sub), "-a", "toy", "-o", str(out)])
    assert result.exit_code == ExitCode.OK, result.output
    assert "report.html" in result.output
    assert (out / "report.html").is_file()
    data = json.loads((out / "results.json").read_text())
    assert data["score"] == 5 and len(data["tests"]) == 4


def test_a_corrupt_zip_is_not_gradable_with_a_clear_message(tmp_path):
    sub = tmp_path / "s.zip"
    sub.write_bytes(b"PK\x03\x04 garbage")
    out = tmp_path / "out"
    result = runner.invoke(app, ["grade", str(sub), "-a", "toy", "-o", str(out)])
    assert result.exit_code == ExitCode.NOT_GRADABLE
    assert "not a readable zip file" in json.loads((out / "result.json").read_text())["reason"]


def test_a_zip_with_parent_paths_is_refused(tmp_path):
    sub = tmp_path / "s.zip"
    with zipfile.ZipFile(sub, "w") as zf:
        zf.writestr("../calc.py", GOOD_CALC)
    result = runner.invoke(app, ["grade", str(sub), "-a", "toy", "-o", str(tmp_path / "out")])
    assert result.exit_code == ExitCode.NOT_GRADABLE
    assert not (tmp_path / "calc.py").exists()


def test_unknown_assignment_lists_the_known_ones(tmp_path):
    result = runner.invoke(app, ["grade", str(tmp_path), "-a", "nope"])
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "known assignments: toy" in result.output.replace("\n", " ")


def test_a_rubric_typo_is_a_usage_error_with_file_and_line(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "rubrics" / "toy").mkdir(parents=True)
    text = (TOY_ROOT / "rubrics" / "toy" / "rubric.yaml").read_text().replace("total: 6", "totl: 6")
    (home / "rubrics" / "toy" / "rubric.yaml").write_text(text)
    monkeypatch.setenv("GRADER_HOME", str(home))
    result = runner.invoke(app, ["rubric", "show", "toy"])
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "rubric.yaml:4: totl: unknown key 'totl'; did you mean 'total'?" in result.output.replace("\n", "")


def test_rubric_show_prints_items():
    result = runner.invoke(app, ["rubric", "show", "toy"])
    assert result.exit_code == 0
    assert "scale a tensor" in result.output and "constraint" in result.output


# -- conventions: --version, usage errors exit 3, quiet on a closed pipe, NO_COLOR ----------

GRADER = [str(Path(sys.executable).with_name("grader"))]


def test_version_prints_the_package_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == ExitCode.OK
    assert result.output.strip() == f"grader (dl-grader) {__version__}"


@pytest.mark.parametrize("argv", [
    ["grade", "{tmp}"],                                    # -a missing
    ["grade", "{tmp}", "-a", "toy", "--sandbox", "nope"],   # unknown sandbox
    ["grade", "{tmp}/does-not-exist.zip", "-a", "toy"],     # a path that is not there
    ["check", "{tmp}/nowhere"],
    ["no-such-command"],
    ["grade", "{tmp}", "-a", "toy", "--no-such-flag"],
])
def test_every_usage_error_exits_with_the_usage_code(tmp_path, argv):
    out = tmp_path / "out"
    result = runner.invoke(app, [a.format(tmp=tmp_path) for a in argv] + ["-o", str(out)] * (argv[0] == "grade"))
    assert result.exit_code == ExitCode.USAGE_ERROR, result.output
    assert not out.exists()  # nothing graded, no 0/20 report written


def test_a_grader_error_is_not_a_usage_error(tmp_path, monkeypatch):
    """The mapping touches click's usage errors only: our own exit codes pass through."""
    sub = tmp_path / "calc.py"
    sub.write_text(GOOD_CALC)
    result = runner.invoke(app, ["grade", str(sub), "-a", "toy", "-o", str(tmp_path / "out"), "--sandbox", "docker"])
    assert result.exit_code in (ExitCode.OK, ExitCode.GRADER_ERROR), result.output


def _run_cli(argv, *, env_extra=None, close_stdout=False):
    env = {**os.environ, "GRADER_HOME": str(TOY_ROOT), "COLUMNS": "100", **(env_extra or {})}
    proc = subprocess.Popen(GRADER + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if close_stdout:  # the reader leaves before the command prints (`grader ... | head -0`)
        proc.stdout.close()
        _, stderr = proc.communicate(timeout=120)
        return proc.returncode, b"", stderr
    stdout, stderr = proc.communicate(timeout=120)
    return proc.returncode, stdout, stderr


def test_a_closed_pipe_is_silent_and_keeps_the_exit_code():
    code, _, stderr = _run_cli(["rubric", "show", "toy"], close_stdout=True)
    assert code == ExitCode.OK and stderr == b""
    code, _, stderr = _run_cli(["rubric", "show", "nope"], close_stdout=True)
    assert code == ExitCode.USAGE_ERROR and b"known" in stderr and b"toy" in stderr


def test_broken_pipe_console_goes_quiet(monkeypatch):
    from grader.cli.app import _Console

    class Gone(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    console = _Console(file=Gone())
    console.print("first")
    console.print("second")
    assert console.quiet


def test_no_color_is_honoured():
    code, _, coloured = _run_cli(["rubric", "show", "nope"], env_extra={"FORCE_COLOR": "1"})
    assert code == ExitCode.USAGE_ERROR and re.search(rb"\x1b\[[0-9;]*3[0-9]m", coloured)
    code, _, plain = _run_cli(["rubric", "show", "nope"], env_extra={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert code == ExitCode.USAGE_ERROR and b"toy" in plain
    assert not re.search(rb"\x1b\[[0-9;]*3[0-9]m", plain)
