"""cs446-hw3 graded as the course's students wrote it: each course-style submission gets its score.

The submissions (``cs446_hw3_course.py``) follow the Spring 2024 starter, not our reference:
a correct one earns every automatic point whatever reasonable choice it made (file name,
attribute names, raw parameters, either first-layer bound, Adam or SGD at any of the handout's
rates), and each mistake loses exactly its items. Graded through the warm backend, as a batch
would; each submission only on the items in its ``expected`` (the training items cost real
SIREN runs, so each trains the activations its style can change).
"""

from __future__ import annotations

import zipfile

import pytest

from grader.api import grade
from grader.results.models import Outcome
from tests.assignments.cs446_hw3_course import SUBMISSIONS

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=[s.id for s in SUBMISSIONS])
def test_course_style_submission_scores_per_item(submission, tmp_path, warm_backend):
    archive = tmp_path / f"{submission.id}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, content in submission.files.items():
            zf.writestr(name, content)
    result = grade(archive, assignment="cs446-hw3", only=sorted(submission.expected), backend=warm_backend)
    assert result.outcome is Outcome.GRADED, result.reason
    got = {i.id: i.points for i in result.items}
    table = "\n".join(f"{i.id}: {i.points:g}/{i.max_points:g} {' | '.join(i.messages)[:600]}" for i in result.items)
    assert got == pytest.approx(submission.expected), f"{submission.id} ({submission.why}):\n{table}"
    for item in result.items:
        if item.points < item.max_points:
            assert len(item.messages) > 1, f"{item.id} lost points without saying why: {item.messages}"
    notes = " ".join(result.notes)
    assert "siren_utils.py is provided by the course" in notes, notes
    if "hw3.py" in submission.files and "resnet.py" not in submission.files:
        assert "hw3.py was graded as resnet.py" in notes, notes
    else:
        assert "graded as resnet.py" not in notes, notes
