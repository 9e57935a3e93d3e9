"""Frozen result models: what one graded submission produced.

Everything downstream (HTML report, results.json, gradebook rows, terminal summary)
is rendered *from* these objects and never writes back into them. One module per
output format lives beside this one (``gradescope.py``) or in ``grader.report``.

Outcomes are kept apart (DESIGN, "Outcomes and results"):

- ``Outcome.GRADED``: the pipeline ran; item statuses say what the student's code did.
- ``Outcome.NOT_GRADABLE``: the submission itself is unusable (broken zip, missing
  everything); every item scores zero with the reason, the batch goes on.
- ``Outcome.GRADER_ERROR``: the grader failed; flagged for regrade, never a silent zero.
"""

from __future__ import annotations

import enum
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ItemStatus", "Outcome", "Artifact", "ItemResult", "NotebookCellResult", "NotebookRecord",
           "SubmissionResult"]


class ItemStatus(str, enum.Enum):
    PASSED = "passed"
    PARTIAL = "partial"
    FAILED = "failed"
    #: the check could not run against the student's code (worker died, file missing)
    ERROR = "error"
    #: a TA scores it; ``points`` stays 0 until a manual score is merged
    MANUAL = "manual"


class Outcome(str, enum.Enum):
    GRADED = "graded"
    NOT_GRADABLE = "not_gradable"
    GRADER_ERROR = "grader_error"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Artifact(_Frozen):
    """A picture or text an item produced for the report (a plot, an image).

    Either ``path`` names a file relative to the report folder, or the content is carried
    inline (``data_b64`` with ``media_type`` ``image/png`` or ``text/plain``) so the report
    stays one self-contained file and the batch journal holds everything.
    """

    title: str
    path: str = ""
    kind: str = "image"
    media_type: str = ""
    data_b64: str = ""


class ItemResult(_Frozen):
    id: str
    title: str
    points: float
    max_points: float
    status: ItemStatus
    #: short, student-facing explanations of what was checked and what went wrong
    messages: tuple[str, ...] = ()
    #: the grading note the item encodes, quoted from the homework text
    note: str = ""
    #: the student's captured stdout/stderr while this item ran (already truncated)
    output: str = ""
    duration_s: float = 0.0
    extra_credit: bool = False
    artifacts: tuple[Artifact, ...] = ()
    #: the student's written answer for a manual item (from the answers file), shown beside the note
    answer: str = ""
    #: words of the grading note to highlight in ``answer`` for the TA
    keywords: tuple[str, ...] = ()
    #: instructor-only detail (a grader traceback); never shown in the student's report
    instructor_detail: str = ""


class NotebookCellResult(_Frozen):
    """One cell of an executed notebook submission, as the report shows it."""

    #: position in the notebook (markdown cells count)
    index: int
    #: "code", "markdown" or "raw"
    kind: str
    source: str
    #: "ok", "error", "timeout", "killed", "not run"; "" for markdown and raw cells
    status: str = ""
    #: nbformat outputs, already cleaned and capped (``grader.notebooks.outputs``)
    outputs: tuple[dict, ...] = ()
    duration_s: float = 0.0
    message: str = ""


class NotebookRecord(_Frozen):
    """The executed notebook of a notebook submission, with where its time went."""

    name: str
    cells: tuple[NotebookCellResult, ...]
    kernel_start_s: float = 0.0
    execution_s: float = 0.0


class SubmissionResult(_Frozen):
    assignment: str
    assignment_title: str
    submission: str
    sha256: str
    outcome: Outcome
    items: tuple[ItemResult, ...]
    total_points: float
    #: why the submission could not be graded, or what failed inside the grader
    reason: str = ""
    sandbox: str = ""
    sandbox_warnings: tuple[str, ...] = ()
    #: submission-level notes for the student (a missing or misnamed file, a worker that stopped)
    warnings: tuple[str, ...] = ()
    #: what the grader changed in the submission's layout, as the course set it (an alias
    #: renamed, a provided helper file used instead of the student's copy)
    notes: tuple[str, ...] = ()
    started_at: datetime
    duration_s: float
    grader_version: str
    seed: int = 0
    files: tuple[str, ...] = Field(default=(), description="files found in the submission")
    #: a notebook submission's executed cells (outputs capped); None for ``.py`` submissions
    notebook: NotebookRecord | None = None

    @property
    def score(self) -> float:
        return round(sum(i.points for i in self.items), 6)

    @property
    def max_score(self) -> float:
        return self.total_points
