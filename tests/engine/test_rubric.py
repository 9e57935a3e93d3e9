"""Rubric loading: valid rubrics load; every mistake is reported with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.assignments import known_assignments, project_root
from grader.rubric import RubricError, load_rubric

TOY = Path(__file__).parent / "toy_project" / "rubrics" / "toy" / "rubric.yaml"


def test_toy_rubric_loads():
    rubric = load_rubric(TOY)
    assert rubric.assignment == "toy" and rubric.total == 6 and len(rubric.items) == 4
    assert rubric.limits.call_s == 8


def write_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = TOY.read_text()
    assert old in text
    path = tmp_path / "rubric.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_typo_in_a_key_names_file_line_and_suggestion(tmp_path):
    path = write_variant(tmp_path, '    title: "scale a tensor"\n    points: 2', '    title: "scale a tensor"\n    pionts: 2')
    with pytest.raises(RubricError) as err:
        load_rubric(path)
    text = str(err.value)
    assert f"{path}:{line_of(path, 'pionts')}: items.1.pionts: unknown key 'pionts'; did you mean 'points'?" in text
    assert "missing required key 'points'" in text


def test_typo_inside_a_check_and_unknown_kind(tmp_path):
    path = write_variant(tmp_path, "      scoring: per_test", "      scorng: per_test")
    with pytest.raises(RubricError, match=rf"{path}:{line_of(path, 'scorng')}: items.0.check.scorng: unknown key"):
        load_rubric(path)
    path = write_variant(tmp_path, "kind: manual", "kind: manul")
    with pytest.raises(RubricError, match="unknown check kind"):
        load_rubric(path)


def test_points_must_add_up_to_the_total(tmp_path):
    path = write_variant(tmp_path, "total: 6", "total: 7")
    with pytest.raises(RubricError, match="add up to 6 but total is 7"):
        load_rubric(path)


def test_yaml_syntax_error_has_a_line(tmp_path):
    path = write_variant(tmp_path, 'title: "add"', 'title: "add')
    with pytest.raises(RubricError, match=rf"{path}:\d+: not valid YAML"):
        load_rubric(path)


def test_duplicate_ids_and_bad_only_if_earned(tmp_path):
    path = write_variant(tmp_path, 'id: "1.2"', 'id: "1.1"')
    with pytest.raises(RubricError, match="repeated: 1.1"):
        load_rubric(path)
    path = write_variant(tmp_path, 'only_if_earned: ["1.1"]', 'only_if_earned: ["9.9"]')
    with pytest.raises(RubricError, match="unknown items"):
        load_rubric(path)


@pytest.mark.parametrize("assignment", known_assignments(project_root()))
def test_every_shipped_rubric_loads_and_adds_up(assignment):
    rubric = load_rubric(project_root() / "rubrics" / assignment / "rubric.yaml")
    assert sum(i.points for i in rubric.items if not i.extra_credit) == rubric.total
