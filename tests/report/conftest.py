"""Hand-built results for the report tests: one of each status and each outcome.

The fixtures return factories or finished results so a test states only what it
cares about. Every item carries an instructor-only secret (``SECRET``), so a test
can prove it never leaks into a student-facing format.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from report_helpers import (
    HOSTILE,
    LOSS_CURVE,
    ItemFactory,
    ResultFactory,
    all_statuses,
    item,
    write_png,
)

from grader.results.models import (
    Artifact,
    ItemResult,
    ItemStatus,
    Outcome,
    SubmissionResult,
)


@pytest.fixture
def make_item() -> ItemFactory:
    return item


@pytest.fixture
def make_result() -> ResultFactory:
    def make(items: tuple[ItemResult, ...] | None = None, **overrides: Any) -> SubmissionResult:
        chosen = items if items is not None else all_statuses()
        fields: dict[str, Any] = {
            "assignment": "hw3-conv",
            "assignment_title": "HW3: Convolutions from scratch",
            "submission": "alice_smith_hw3.zip",
            "sha256": "9f2c1e7ab3d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e",
            "outcome": Outcome.GRADED,
            "items": chosen,
            "total_points": sum(i.max_points for i in chosen if not i.extra_credit),
            "sandbox": "bwrap",
            "started_at": datetime(2025, 3, 14, 15, 9, 26, tzinfo=UTC),
            "duration_s": 83.4,
            "grader_version": "0.1.0",
            "seed": 1234,
            "files": ("conv.py", "train.py", "answers.md"),
        }
        fields.update(overrides)
        return SubmissionResult(**fields)

    return make


@pytest.fixture
def graded(make_result: ResultFactory) -> SubmissionResult:
    """Passed, partial, failed, error, manual and extra-credit items: 7.5 / 12."""
    return make_result()


@pytest.fixture
def not_gradable(make_result: ResultFactory) -> SubmissionResult:
    reason = "The zip file is broken: 'alice_hw3.zip' is not a zip archive (bad magic number)."
    items = tuple(
        item(id=i.id, title=i.title, points=0, max_points=i.max_points,
             status=ItemStatus.ERROR, extra_credit=i.extra_credit, messages=(reason,))
        for i in all_statuses()
    )
    return make_result(items=items, total_points=12, outcome=Outcome.NOT_GRADABLE,
                       reason=reason, files=())


@pytest.fixture
def grader_error(make_result: ResultFactory) -> SubmissionResult:
    items = all_statuses()[:2] + (
        item(id="2.1", title="FasterConv2d is at least 3x faster", points=0, max_points=2,
             status=ItemStatus.ERROR,
             messages=("The grader failed while checking this item; it will be regraded.",)),
    )
    return make_result(
        items=items, total_points=12, outcome=Outcome.GRADER_ERROR,
        reason="The grader failed while checking item 2.1 (KeyError in the benchmark check).",
        sandbox="rlimit",
        sandbox_warnings=("rlimit backend: no network or filesystem isolation on this machine.",),
    )


@pytest.fixture
def hostile(make_result: ResultFactory) -> SubmissionResult:
    """Student-controlled text everywhere a student can put it."""
    bad = item(
        id="1.1", title=f"title {HOSTILE}", points=0, max_points=1, status=ItemStatus.FAILED,
        note=f"note {HOSTILE}", messages=(f"got {HOSTILE}",), output=f"print: {HOSTILE}",
        artifacts=(Artifact(title=HOSTILE, path='x" onerror="alert(1)'),
                   Artifact(title="js", path="javascript:alert(1)"),
                   Artifact(title="escape", path="../../etc/passwd")),
    )
    return make_result(items=(bad,), submission=f"{HOSTILE}.zip", reason=HOSTILE,
                       outcome=Outcome.NOT_GRADABLE, files=(HOSTILE,),
                       sandbox_warnings=(HOSTILE,))


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    """A report folder that already holds the artifact the graded fixture points at."""
    out = tmp_path / "report"
    write_png(out / LOSS_CURVE)
    return out
