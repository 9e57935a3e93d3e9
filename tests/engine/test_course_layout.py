"""The course's layout: ``aliases:`` (a file's name in other offerings) and ``provided:`` helper files.

Graded end to end through the real sandbox, on a copy of the toy assignment whose rubric
declares ``calc.py`` also known as ``calculator.py`` and a provided ``helpers.py`` that the
hidden tests call through the student's code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.api import grade
from grader.results.gradescope import to_gradescope
from grader.results.models import Outcome
from grader.rubric.loader import RubricError, load_rubric

from .conftest import GOOD_CALC, TOY_ROOT, item

HELPERS = "def double(x):\n    return 2 * x\n"
USES_HELPERS = GOOD_CALC + "\n\nfrom helpers import double\n\n\ndef twice(x):\n    return double(x)\n"


@pytest.fixture(scope="module")
def course_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("course") / "project"
    shutil.copytree(TOY_ROOT, root)
    rubric_dir = root / "rubrics" / "toy"
    (rubric_dir / "provided").mkdir()
    (rubric_dir / "provided" / "helpers.py").write_text(HELPERS)
    text = (rubric_dir / "rubric.yaml").read_text()
    text = text.replace("required_files: [calc.py]\n", (
        "required_files: [calc.py]\n"
        "aliases:\n  calc.py: [calculator.py]\n"
        "provided:\n  - file: helpers.py\n    source: provided/helpers.py\n"
        "    why: the course hands it out unchanged\n"))
    (rubric_dir / "rubric.yaml").write_text(text)
    (rubric_dir / "tests" / "test_twice.py").write_text(
        "def test_twice(student):\n    assert student.calc.twice(3) == 6, 'twice(3) should be 6'\n")
    return root


def _grade(root: Path, tmp_path: Path, files: dict[str, str]):  # type: ignore[no-untyped-def]
    folder = tmp_path / "submission"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return grade(folder, assignment="toy", root=root)


def test_an_alias_is_graded_as_the_file_and_the_report_says_so(course_root: Path, tmp_path: Path) -> None:
    result = _grade(course_root, tmp_path, {"calculator.py": GOOD_CALC})
    assert result.outcome is Outcome.GRADED
    assert item(result, "1.1").points == 2
    assert "calc.py" in result.files and "calculator.py" not in result.files
    assert any("calculator.py was graded as calc.py" in note for note in result.notes)
    assert "calculator.py was graded as calc.py" in to_gradescope(result)["output"]


def test_the_file_wins_over_its_alias(course_root: Path, tmp_path: Path) -> None:
    result = _grade(course_root, tmp_path, {"calc.py": GOOD_CALC, "calculator.py": "def add(a, b):\n    return 0\n"})
    assert item(result, "1.1").points == 2
    assert not any("graded as" in note for note in result.notes)


def test_a_provided_file_replaces_the_students_copy(course_root: Path, tmp_path: Path) -> None:
    broken = "def double(x):\n    return 0\n"
    result = _grade(course_root, tmp_path, {"calc.py": USES_HELPERS, "helpers.py": broken})
    assert result.outcome is Outcome.GRADED
    assert any("helpers.py is provided by the course: the grader used its own copy instead of yours" in n
               and "the course hands it out unchanged" in n for n in result.notes)


def test_a_provided_file_is_added_when_missing(course_root: Path, tmp_path: Path) -> None:
    result = _grade(course_root, tmp_path, {"calc.py": USES_HELPERS})
    assert "helpers.py" in result.files
    assert any("was not in your submission: the grader added its own copy" in n for n in result.notes)


def test_a_missing_file_names_where_its_functions_were_found(course_root: Path, tmp_path: Path) -> None:
    result = _grade(course_root, tmp_path, {"main.py": GOOD_CALC})
    assert item(result, "1.1").points == 0
    warning = next(w for w in result.warnings if w.startswith("calc.py is missing"))
    assert "Found add in main.py, scale in main.py" in warning


def test_a_provided_file_missing_from_the_grader_is_a_grader_error(course_root: Path, tmp_path: Path) -> None:
    source = course_root / "rubrics" / "toy" / "provided" / "helpers.py"
    saved = source.read_text()
    source.unlink()
    try:
        result = _grade(course_root, tmp_path, {"calc.py": GOOD_CALC})
    finally:
        source.write_text(saved)
    assert result.outcome is Outcome.GRADER_ERROR
    assert "provided file provided/helpers.py is missing" in result.reason or any(
        "provided/helpers.py" in i.instructor_detail for i in result.items)


@pytest.mark.parametrize("aliases, message", [
    ("aliases:\n  nothere.py: [x.py]\n", "'nothere.py' is not one of required_files"),
    ("aliases:\n  calc.py: [calc.py]\n", "it is a required file itself"),
])
def test_rubric_aliases_are_checked(aliases: str, message: str, tmp_path: Path) -> None:
    text = (TOY_ROOT / "rubrics" / "toy" / "rubric.yaml").read_text()
    path = tmp_path / "rubric.yaml"
    path.write_text(text.replace("required_files: [calc.py]\n", "required_files: [calc.py]\n" + aliases))
    with pytest.raises(RubricError) as error:
        load_rubric(path)
    assert message in str(error.value)
