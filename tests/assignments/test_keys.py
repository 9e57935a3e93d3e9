"""The key-leak check itself, both ways: a key put back into a note is found; the rubrics hold keys only in ``key:``."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from grader.assignments import assignment_paths
from grader.results.models import ItemResult, ItemStatus, Outcome, SubmissionResult
from grader.rubric import load_rubric
from tests.assignments.keys import key_fragments, key_leaks

HOMEWORKS = ("nyu-dl-hw1", "nyu-dl-hw2", "cs446-hw3", "comp499-a1", "ee150-ps3")


def _result(rubric, note_for: dict[str, str]) -> SubmissionResult:  # type: ignore[no-untyped-def]
    items = tuple(ItemResult(id=i.id, title=i.title, points=0.0, max_points=i.points, status=ItemStatus.MANUAL,
                             messages=("To be graded by a TA.",), note=note_for.get(i.id, i.note))
                  for i in rubric.items)
    return SubmissionResult(assignment=rubric.assignment, assignment_title=rubric.title, submission="s.zip",
                            sha256="0" * 64, outcome=Outcome.GRADED, items=items, total_points=rubric.total,
                            started_at=datetime.now(timezone.utc), duration_s=1.0, grader_version="test")


def test_a_key_in_a_note_is_found_and_a_clean_result_is_not():
    rubric = load_rubric(assignment_paths("cs446-hw3").rubric_file)
    item = rubric.item("1.6")
    assert item.key and not key_leaks(rubric, _result(rubric, {}))
    leaked = key_leaks(rubric, _result(rubric, {"1.6": f"{item.note} The answer: {item.key}"}))
    assert any("item 1.6" in line for line in leaked) and any(line.startswith("report.html") for line in leaked)
    part = key_fragments(item.key)[1]
    assert key_leaks(rubric, _result(rubric, {"1.6": f"hint: {part.upper()}"}))  # one clause, any case


@pytest.mark.parametrize("homework", HOMEWORKS)
def test_keys_live_in_the_key_field(homework):
    rubric = load_rubric(assignment_paths(homework).rubric_file)
    for item in rubric.items:
        assert "Key:" not in item.note and "Expect:" not in item.note, item.id
    if homework in ("nyu-dl-hw2", "cs446-hw3", "ee150-ps3"):
        assert sum(1 for i in rubric.items if i.key) >= 5


def test_a_rubric_with_a_key_in_a_note_is_refused_with_the_item():
    from grader.rubric.schema import Item

    with pytest.raises(ValueError, match=r"item 2\.1: the note holds an answer key .*key:"):
        Item(id="2.1", title="t", points=1, note="Quoted: 'why?' Key: because.", check={"kind": "manual"})


@pytest.mark.parametrize("homework", HOMEWORKS)
def test_no_key_in_what_the_student_template_ships(homework):
    """The template (its README, public spec, stubs and public tests) is the student's from day one; its
    instructions name the question's own symbols ("x[t], h[t-1], h[t-2]"), so only clauses of four
    words or more count here."""
    from tests.assignments.keys import public_text

    paths = assignment_paths(homework)
    rubric = load_rubric(paths.rubric_file)
    public = public_text(rubric)
    shipped = {p: p.read_text(encoding="utf-8", errors="replace") for p in sorted(paths.template_dir.rglob("*"))
               if p.is_file() and p.suffix in (".md", ".json", ".py", ".yaml", ".ipynb", ".txt")}
    found = [f"{p.name}: item {item.id} {fragment!r}" for item in rubric.items if item.key
             for fragment in key_fragments(item.key, min_words=4) if fragment not in public
             for p, text in shipped.items() if fragment in " ".join(text.split()).lower()]
    assert not found, found
