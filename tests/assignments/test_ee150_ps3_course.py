"""ee150-ps3 graded as the course's students write it: each course-style file gets its score.

The files (``ee150_ps3_course.py``) follow the course's starter, not our reference; a
correct one earns every point of its items whatever reasonable choice it made (``None`` in
``expected``: full marks), and each mistake loses exactly its item. Graded through the warm
backend, on the items concerned only.
"""

from __future__ import annotations

import shutil

import pytest

from grader.api import grade, load_assignment
from grader.results.models import Outcome
from tests.assignments.ee150_ps3_course import SUBMISSIONS

PATHS, RUBRIC = load_assignment("ee150-ps3")
MAX = {i.id: i.points for i in RUBRIC.items}
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=[s.id for s in SUBMISSIONS])
def test_course_style_file_scores_per_item(submission, tmp_path, warm_backend):
    target = tmp_path / "submission"
    shutil.copytree(PATHS.reference_dir, target, ignore=shutil.ignore_patterns("__pycache__", "*.png"))
    for name, text in submission.files.items():
        (target / name).write_text(text)
    result = grade(target, assignment="ee150-ps3", only=tuple(submission.expected), backend=warm_backend)
    assert result.outcome is Outcome.GRADED, result.reason
    expected = {k: MAX[k] if v is None else v for k, v in submission.expected.items()}
    got = {i.id: i.points for i in result.items}
    table = "\n".join(f"{i.id}: {i.points:g}/{i.max_points:g} {' | '.join(i.messages)[:400]}" for i in result.items)
    assert got == pytest.approx(expected), f"{submission.id} ({submission.why}):\n{table}"
    for item in result.items:
        if item.points < item.max_points:
            assert len(item.messages) > 1, f"{item.id} lost points without saying why: {item.messages}"
