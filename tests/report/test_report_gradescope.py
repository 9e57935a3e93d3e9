"""results.json follows Gradescope's autograder schema and never leaks instructor detail."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from report_helpers import SECRET

from grader.results import gradescope
from grader.results.gradescope import (
    MAX_OUTPUT_CHARS,
    to_gradescope,
    write_results_json,
)
from grader.results.models import ItemStatus, SubmissionResult

VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
TOP_KEYS = {
    "score", "execution_time", "output", "output_format", "test_output_format",
    "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
}
TEST_KEYS = {
    "score", "max_score", "status", "name", "name_format", "number", "output",
    "output_format", "tags", "visibility", "extra_data",
}


def _tests_by_number(doc: dict) -> dict[str, dict]:
    return {t["number"]: t for t in doc["tests"]}


@pytest.fixture(params=["graded", "not_gradable", "grader_error", "hostile"])
def any_result(request: pytest.FixtureRequest) -> SubmissionResult:
    return request.getfixturevalue(request.param)


def test_top_level_keys_and_types(any_result: SubmissionResult) -> None:
    doc = to_gradescope(any_result)
    assert set(doc) == TOP_KEYS
    assert isinstance(doc["score"], float)
    assert isinstance(doc["execution_time"], int) and doc["execution_time"] >= 0
    assert isinstance(doc["output"], str)
    assert {doc["output_format"], doc["test_output_format"], doc["test_name_format"]} <= FORMATS
    assert doc["visibility"] in VISIBILITIES
    assert doc["stdout_visibility"] in VISIBILITIES
    assert isinstance(doc["extra_data"], dict)
    assert isinstance(doc["tests"], list) and len(doc["tests"]) == len(any_result.items)


def test_each_test_has_the_schema_keys_and_types(any_result: SubmissionResult) -> None:
    for test in to_gradescope(any_result)["tests"]:
        assert set(test) == TEST_KEYS
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert test["status"] in {"passed", "failed"}
        assert isinstance(test["name"], str) and isinstance(test["number"], str)
        assert test["name_format"] in FORMATS and test["output_format"] in FORMATS
        assert isinstance(test["tags"], list) and all(isinstance(t, str) for t in test["tags"])
        assert test["visibility"] in VISIBILITIES
        assert isinstance(test["extra_data"], dict)


def test_student_text_is_never_rendered_as_markup(any_result: SubmissionResult) -> None:
    """Messages and output are the student's; Gradescope must show them as text."""
    doc = to_gradescope(any_result)
    assert doc["output_format"] == "text"
    assert all(t["output_format"] == "text" and t["name_format"] == "text" for t in doc["tests"])


def test_scores_add_up(graded: SubmissionResult) -> None:
    doc = to_gradescope(graded)
    assert doc["score"] == pytest.approx(sum(t["score"] for t in doc["tests"]))
    assert doc["score"] == pytest.approx(graded.score) == pytest.approx(7.5)
    # extra credit is sent with max_score 0, so the maxima add up to the rubric's total
    assert sum(t["max_score"] for t in doc["tests"]) == pytest.approx(graded.total_points)


def test_number_is_the_item_id_and_name_is_id_and_title(graded: SubmissionResult) -> None:
    doc = to_gradescope(graded)
    assert [t["number"] for t in doc["tests"]] == [i.id for i in graded.items]
    for test, item in zip(doc["tests"], graded.items):
        assert test["name"].startswith(f"{item.id} {item.title}")


def test_status_per_item_status(graded: SubmissionResult) -> None:
    by_number = _tests_by_number(to_gradescope(graded))
    assert by_number["1.1"]["status"] == "passed"
    assert by_number["1.2"]["status"] == "failed"  # partial: lost points
    assert by_number["2.1"]["status"] == "failed"
    assert by_number["2.2"]["status"] == "failed"
    assert by_number["1.2"]["output"].startswith("Lost 0.5 of 2 points.")


def test_manual_item_scores_zero_awaiting_ta(graded: SubmissionResult) -> None:
    test = _tests_by_number(to_gradescope(graded))["4.1"]
    assert test["score"] == 0.0 and test["max_score"] == 2.0
    assert "awaiting TA grading" in test["output"]
    assert "awaiting TA grading" in test["name"]
    assert test["status"] == "passed"  # not red: nobody has graded it yet
    assert "manual" in test["tags"]


def test_extra_credit_has_zero_max_score(graded: SubmissionResult) -> None:
    test = _tests_by_number(to_gradescope(graded))["5*"]
    assert test["score"] == 1.0 and test["max_score"] == 0.0
    assert "extra credit" in test["tags"] and "extra credit" in test["name"]
    assert test["extra_data"]["available_points"] == 1.0


def test_messages_note_and_output_are_in_the_test_output(graded: SubmissionResult) -> None:
    test = _tests_by_number(to_gradescope(graded))["1.2"]
    item = next(i for i in graded.items if i.id == "1.2")
    for message in item.messages:
        assert message in test["output"]
    assert item.note in test["output"]
    assert "epoch 1 grad norm 1.19" in test["output"]


def test_long_output_is_truncated(make_item, make_result) -> None:
    noisy = make_item(output="x" * 50_000 + "THE END", status=ItemStatus.PASSED)
    test = to_gradescope(make_result(items=(noisy,)))["tests"][0]
    assert len(test["output"]) < MAX_OUTPUT_CHARS + 200
    assert "characters cut" in test["output"] and test["output"].endswith("THE END")


def test_instructor_detail_never_written(any_result: SubmissionResult, tmp_path: Path) -> None:
    assert any(i.instructor_detail == SECRET for i in any_result.items)
    path = write_results_json(any_result, tmp_path / "results.json")
    assert SECRET not in path.read_text(encoding="utf-8")
    assert "instructor_detail" not in path.read_text(encoding="utf-8")


def test_not_gradable_says_why_and_scores_zero(not_gradable: SubmissionResult) -> None:
    doc = to_gradescope(not_gradable)
    assert doc["score"] == 0.0
    assert "could not be graded" in doc["output"] and not_gradable.reason in doc["output"]
    assert doc["extra_data"]["outcome"] == "not_gradable"


def test_grader_error_is_flagged_for_regrade(grader_error: SubmissionResult) -> None:
    doc = to_gradescope(grader_error)
    assert doc["extra_data"]["regrade"] is True
    assert "not final" in doc["output"] and grader_error.reason in doc["output"]


def test_write_results_json_round_trips(graded: SubmissionResult, tmp_path: Path) -> None:
    path = write_results_json(graded, tmp_path / "results" / "results.json")
    assert json.loads(path.read_text(encoding="utf-8")) == to_gradescope(graded)
    assert sorted(p.name for p in path.parent.iterdir()) == ["results.json"]  # no temp left
    assert path.stat().st_mode & 0o777 == 0o644


def test_write_is_atomic(graded: SubmissionResult, tmp_path: Path, monkeypatch) -> None:
    """A crash before the rename leaves the previous file whole and no temp file behind."""
    target = tmp_path / "results.json"
    target.write_text('{"score": 1.0}', encoding="utf-8")

    def crash(src: str, dst: str) -> None:
        raise OSError("disk vanished")

    monkeypatch.setattr("grader._io.os.replace", crash)
    with pytest.raises(OSError, match="disk vanished"):
        write_results_json(graded, target)
    assert target.read_text(encoding="utf-8") == '{"score": 1.0}'
    assert os.listdir(tmp_path) == ["results.json"]
