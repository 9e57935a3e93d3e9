"""nyu-dl-hw1 graded as the course's students wrote it: each course-style submission gets its score.

The submissions (``nyu_dl_hw1_course.py``) follow the course's starter, not our reference;
a correct one earns every automatic point whatever reasonable choice it made, and each
mistake loses exactly its item. Graded through the warm backend, as a batch would.
"""

from __future__ import annotations

import zipfile

import pytest

from grader.api import grade
from grader.results.models import Outcome
from tests.assignments.nyu_dl_hw1_course import FULL, SUBMISSIONS

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=[s.id for s in SUBMISSIONS])
def test_course_style_submission_scores_per_item(submission, tmp_path, warm_backend):
    archive = tmp_path / f"{submission.id}.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # zipped flat, as the course asked
        for name, content in submission.files.items():
            zf.writestr(name, content)
    result = grade(archive, assignment="nyu-dl-hw1", backend=warm_backend)
    assert result.outcome is Outcome.GRADED, result.reason
    got = {i.id: i.points for i in result.items if i.id in FULL}
    table = "\n".join(f"{i.id}: {i.points:g}/{i.max_points:g} {' | '.join(i.messages)[:400]}" for i in result.items)
    assert got == pytest.approx(submission.expected), f"{submission.id} ({submission.why}):\n{table}"
    for item in result.items:
        if item.id in FULL and item.points < item.max_points:
            assert len(item.messages) > 1, f"{item.id} lost points without saying why: {item.messages}"
    if "sgd.py" in submission.files:
        assert any("sgd.py was graded as gd.py" in note for note in result.notes)
