"""The ``grader`` command: exit codes say whether grading worked, messages say what to do."""

from __future__ import annotations

import json
import zipfile

import pytest
from typer.testing import CliRunner

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
