"""``grade(..., only=[...])`` grades a subset of items; selectors may name parametrized ids as written."""

from __future__ import annotations

import pytest

from grader.api import grade
from grader.checks.pytest_plugin import selector_matches
from tests.engine.conftest import GOOD_CALC, TOY_ROOT


def test_only_grades_the_named_items_and_totals_them(tmp_path):
    (tmp_path / "calc.py").write_text(GOOD_CALC)
    result = grade(tmp_path, assignment="toy", root=TOY_ROOT, only=["1.2"])
    assert [i.id for i in result.items] == ["1.2"]
    assert result.items[0].points == result.items[0].max_points == result.total_points
    with pytest.raises(KeyError, match="known: 1.1"):
        grade(tmp_path, assignment="toy", root=TOY_ROOT, only=["9.9"])


@pytest.mark.parametrize("selector, nodeid, expected", [
    ("test_cnn.py::test_architecture[cnn]", "test_cnn.py::test_architecture[cnn]", True),
    ("test_cnn.py::test_architecture[cnn]", "test_cnn.py::test_architecture[n]", False),
    ("test_s.py::*[[]sin]", "test_s.py::test_loss[sin]", True),
    ("test_s.py::*[[]sin]", "test_s.py::test_loss[tanh]", False),
    ("test_s.py::test_loss", "test_s.py::test_loss[tanh]", True),
    ("test_s.py::test_l*", "test_s.py::test_loss", True),
])
def test_selectors(selector, nodeid, expected):
    assert selector_matches(selector, nodeid) is expected


def test_a_selector_matching_nothing_is_a_grader_error_naming_it(tmp_path):
    import shutil

    from grader.results.models import Outcome

    root = tmp_path / "project"
    shutil.copytree(TOY_ROOT, root, ignore=shutil.ignore_patterns("__pycache__"))
    rubric = root / "rubrics" / "toy" / "rubric.yaml"
    rubric.write_text(rubric.read_text().replace('"test_toy.py::test_add*"', '"test_toy.py::test_nope"'))
    (tmp_path / "calc.py").write_text(GOOD_CALC)
    result = grade(tmp_path / "calc.py", assignment="toy", root=root)
    assert result.outcome is Outcome.GRADER_ERROR
    assert "test_toy.py::test_nope" in result.reason and "matches no test" in result.reason
