"""The ``grader batch`` command: progress, the closing table, exit codes and messages with the next step.

Grading is ``helpers.fake_grade`` (the executor is patched to use it), so these run fast.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import grader.batch.runner as runner_module
from grader.cli.batch import cli
from grader.cli.exit_codes import ExitCode
from tests.batch.helpers import FAKE_FUNCTION, GOOD, TOY_ROOT, toy_class

runner = CliRunner()


@pytest.fixture(autouse=True)
def fake_grading(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_HOME", str(TOY_ROOT))
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("FAKE_GRADE_STATE", str(tmp_path))
    real = runner_module.make_executor

    def make(name, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["function"] = FAKE_FUNCTION
        return real(name, **kwargs)

    monkeypatch.setattr(runner_module, "make_executor", make)


def test_batch_prints_progress_a_summary_table_and_where_the_outputs_are(tmp_path):
    subs = tmp_path / "subs"
    toy_class(subs, 4)
    (subs / "notes.txt").write_text("not a submission")
    result = runner.invoke(cli, ["batch", str(subs), "-a", "toy", "-o", str(tmp_path / "out"), "-j", "2"])
    assert result.exit_code == ExitCode.OK, result.output
    text = result.output
    assert "toy: 4 students; 4 to grade, 0 identical copies, 0 already done" in text
    assert "4/4" in text and "/min" in text and "0 failed" in text
    assert "graded now" in text and "local, 2 workers (--jobs)" in text
    assert "skipped notes.txt: not a submission" in " ".join(text.split())
    for name in ("gradebook", "canvas", "gradescope", "summary"):
        assert f"{name}: {tmp_path / 'out'}" in text
    again = runner.invoke(cli, ["batch", str(subs), "-a", "toy", "-o", str(tmp_path / "out")])
    assert again.exit_code == 0 and "0 to grade, 0 identical copies, 4 already done" in again.output


def test_grader_errors_exit_2_and_say_how_to_retry(tmp_path):
    subs = tmp_path / "subs"
    toy_class(subs, 2)
    (subs / "t00" / "calc.py").write_text(GOOD + "# BOOM\n")
    result = runner.invoke(cli, ["batch", str(subs), "-a", "toy", "-o", str(tmp_path / "out"), "-j", "1"])
    assert result.exit_code == ExitCode.GRADER_ERROR
    assert "1 failed" in result.output
    assert "--retry-errors" in " ".join(result.output.split())


@pytest.mark.parametrize("args, message", [
    (["-a", "nope"], "known assignments: toy"),
    (["-a", "toy", "--only", "7"], "no such item in toy; items: 1.1, 1.2, 1.3, 1.4"),
    (["-a", "toy", "--student", "zed"], "no submission for that student"),
    (["-a", "toy", "--executor", "spark"], "unknown executor 'spark'; choose one of: local, ray"),
    (["-a", "toy", "--address", "1.2.3.4:6379"], "--address is for --executor ray"),
    (["-a", "toy", "--layout", "moodle"], "unknown layout 'moodle'; choose one of: gradescope, canvas, plain"),
])
def test_usage_errors_exit_3_with_the_next_step(tmp_path, args, message):
    subs = tmp_path / "subs"
    toy_class(subs, 1)
    result = runner.invoke(cli, ["batch", str(subs), "-o", str(tmp_path / "out"), *args])
    assert result.exit_code == ExitCode.USAGE_ERROR, result.output
    assert message in " ".join(result.output.split())


def test_a_missing_folder_is_a_usage_error(tmp_path):
    result = runner.invoke(cli, ["batch", str(tmp_path / "nope"), "-a", "toy", "-o", str(tmp_path / "out")])
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "is not a folder" in result.output


def test_without_a_terminal_each_finished_student_is_one_line_with_an_eta(tmp_path):
    """Output to a file or a CI log: progress as it happens, not one bar drawn at the end."""
    import re
    import shutil

    subs = tmp_path / "subs"
    toy_class(subs, 5)
    shutil.copytree(subs / "t00", subs / "t05")  # the same files as t00: copied, not timed
    (subs / "[blink]x[red]").mkdir()  # rich markup in a student's name is shown as it is
    (subs / "[blink]x[red]" / "calc.py").write_text(GOOD + "# markup\n")
    result = runner.invoke(cli, ["batch", str(subs), "-a", "toy", "-o", str(tmp_path / "out"), "-j", "1"])
    assert result.exit_code == ExitCode.OK, result.output
    lines = [line for line in result.output.splitlines() if re.match(r"^\[\s*\d+/7\] ", line)]
    assert len(lines) == 7, result.output
    assert [int(re.match(r"^\[\s*(\d+)/", line)[1]) for line in lines] == list(range(1, 8))
    assert any("[blink]x[red]" in line for line in lines)
    assert any("(copy)" in line for line in lines)
    assert all(" /min · ETA " in line and line.endswith("failed") for line in lines)
    # an estimate from the graded ones: after the first, a time; at the end, nothing left
    assert "ETA --" not in lines[-1] and lines[-1].split("ETA ")[1].startswith("0:00:00")
