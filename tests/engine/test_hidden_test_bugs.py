"""A bug in a hidden test is the grader's, never the student's: three outcomes, kept apart.

A copy of the toy assignment gets hidden tests with planted bugs (a NameError, a probe
that does not exist, a fixture that raises); each item whose test is broken becomes a
grader error with the traceback for the instructor and "not your code" for the student,
the submission is flagged for regrade, and every other item keeps its real score.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.api import grade
from grader.checks.tests_check import GRADER_BUG_MESSAGE
from grader.results.models import ItemStatus, Outcome

from .conftest import GOOD_CALC, TOY_ROOT, item

BUGGY_TESTS = '''
import pytest


@pytest.fixture
def broken_fixture():
    raise KeyError("a fixture of ours that fails")


def test_name_error(student):
    assert student.calc.add(1, 2) == undefined_name


def test_missing_probe(student):
    student.probe.no_such_probe_anywhere(1)


def test_broken_fixture(student, broken_fixture):
    assert student.calc.add(1, 2) == 3


def test_student_mistake(student):
    assert student.calc.add(1, 2) == 4, "add(1, 2) should be 4 in this planted test"
'''

ITEMS = '''  - id: "bug.name_error"
    title: "a test with a NameError"
    points: 0
    check: {kind: tests, tests: ["test_bugs.py::test_name_error"]}
  - id: "bug.probe"
    title: "a test with a misspelled probe"
    points: 0
    check: {kind: tests, tests: ["test_bugs.py::test_missing_probe"]}
  - id: "bug.fixture"
    title: "a test whose fixture raises"
    points: 0
    check: {kind: tests, tests: ["test_bugs.py::test_broken_fixture"]}
  - id: "bug.student"
    title: "a test the student fails"
    points: 0
    check: {kind: tests, tests: ["test_bugs.py::test_student_mistake"]}
'''


@pytest.fixture(scope="module")
def buggy_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("buggy") / "project"
    shutil.copytree(TOY_ROOT, root)
    rubric = root / "rubrics" / "toy" / "rubric.yaml"
    rubric.write_text(rubric.read_text().replace("items:\n", "items:\n" + ITEMS, 1))
    (root / "rubrics" / "toy" / "tests" / "test_bugs.py").write_text(BUGGY_TESTS)
    return root


@pytest.fixture(scope="module")
def result(buggy_root: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("submission")
    (folder / "calc.py").write_text(GOOD_CALC)
    (folder / "answers.md").write_text("because\n")
    return grade(folder, assignment="toy", root=buggy_root)


@pytest.mark.parametrize("item_id, cause", [
    ("bug.name_error", "NameError"),
    ("bug.probe", "no_such_probe_anywhere"),
    ("bug.fixture", "a fixture of ours that fails"),
])
def test_a_hidden_test_bug_is_a_grader_error_for_its_item(result, item_id: str, cause: str) -> None:
    broken = item(result, item_id)
    assert broken.status is ItemStatus.ERROR
    assert broken.messages == (GRADER_BUG_MESSAGE,)
    assert cause in broken.instructor_detail
    assert "Traceback" in broken.instructor_detail or "Error" in broken.instructor_detail


def test_the_submission_is_flagged_and_the_other_items_stand(result) -> None:
    assert result.outcome is Outcome.GRADER_ERROR
    assert "bug.name_error" in result.reason and "bug.student" not in result.reason
    assert item(result, "1.1").points == 2 and item(result, "1.2").points == 2
    assert item(result, "1.3").points == 1  # the constraint still ran after the hidden tests


def test_a_student_mistake_stays_the_students(result) -> None:
    mistake = item(result, "bug.student")
    assert mistake.status is ItemStatus.FAILED
    assert not mistake.instructor_detail
    assert any("should be 4 in this planted test" in m for m in mistake.messages)
