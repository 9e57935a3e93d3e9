"""Gradescope's ``results.json`` for one graded submission.

The format is Gradescope's autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/, "Output format").
Choices we made inside it, and why:

- One Gradescope *test* per rubric item: ``number`` is the item id ("4.1"), ``name``
  is "id title", so the student can find the item in the homework text.
- Every string is sent with ``output_format``/``name_format`` ``"text"``: messages and
  captured output come from the student's code and must never be rendered as HTML or
  Markdown by Gradescope.
- ``status`` is always set: ``"passed"`` only for a fully passed item. A manual item
  (a TA scores it later) scores 0 with "awaiting TA grading" and is marked
  ``"passed"``: Gradescope has no "pending" status, and a red "failed" on work nobody
  has graded yet tells the student something false.
- Extra credit: Gradescope takes the student's total from the scores and shows it out
  of the points set on the assignment; a test's ``max_score`` is only displayed. An
  extra-credit item is therefore sent with ``max_score`` 0 and its points as
  ``score`` (Gradescope shows "1.0 / 0.0", its usual way of showing a bonus), so the
  sum of ``max_score`` equals the rubric's total and the top-level ``score`` is the
  sum of the tests' scores. The available bonus is in the name, the output and
  ``extra_data``.
- ``visibility`` is ``"visible"`` everywhere: hidden tests are hidden by not sending
  their code, not by hiding their results. ``stdout_visibility`` is ``"hidden"``:
  the autograder's stdout is the grader's own log, which may hold instructor-only
  tracebacks.
- ``instructor_detail`` never leaves the trusted side: it is not written here.
- The file is written atomically (a temporary file in the same folder, then
  ``os.replace``) so Gradescope never uploads half a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from grader._io import atomic_write_text
from grader.results.models import ItemResult, ItemStatus, Outcome, SubmissionResult

__all__ = ["MAX_OUTPUT_CHARS", "to_gradescope", "write_results_json"]

#: captured student output beyond this many characters is cut (head and tail kept)
MAX_OUTPUT_CHARS = 4000

_VISIBLE = "visible"
_TEXT = "text"

_OUTCOME_TEXT = {
    Outcome.NOT_GRADABLE: "This submission could not be graded",
    Outcome.GRADER_ERROR: (
        "The autograder itself failed on this submission. This is not your fault and "
        "this score is not final: the course staff have been flagged to regrade it"
    ),
}


def to_gradescope(result: SubmissionResult) -> dict[str, Any]:
    """Map one result onto Gradescope's schema; a plain dict, ready for ``json.dump``."""
    return {
        "score": _num(result.score),
        "execution_time": max(0, round(result.duration_s)),
        "output": _submission_output(result),
        "output_format": _TEXT,
        "test_output_format": _TEXT,
        "test_name_format": _TEXT,
        "visibility": _VISIBLE,
        "stdout_visibility": "hidden",
        "extra_data": _submission_extra(result),
        "tests": [_test(item) for item in result.items],
    }


def write_results_json(result: SubmissionResult, path: str | os.PathLike[str]) -> Path:
    """Write ``results.json`` atomically, so a crash never leaves half a file behind."""
    target = Path(path)
    text = json.dumps(to_gradescope(result), indent=2, ensure_ascii=False, allow_nan=False)
    atomic_write_text(target, text + "\n")
    return target


# -- the submission ---------------------------------------------------------------


def _submission_output(result: SubmissionResult) -> str:
    """The text above all tests: the score, and what went wrong for a non-graded outcome."""
    lines = [f"Score: {_pts(result.score)} / {_pts(result.max_score)}"]
    if result.outcome in _OUTCOME_TEXT:
        headline = _OUTCOME_TEXT[result.outcome]
        lines.append(f"{headline}: {result.reason}" if result.reason else f"{headline}.")
    manual = [i for i in result.items if i.status is ItemStatus.MANUAL]
    if manual:
        pending = sum(i.max_points for i in manual)
        noun = "point is" if pending == 1 else "points are"
        items = "item" if len(manual) == 1 else "items"
        lines.append(f"{_pts(pending)} {noun} awaiting TA grading ({len(manual)} {items}).")
    lines.extend(result.warnings)
    lines.extend(f"Note: {note}" for note in result.notes)
    return "\n".join(lines)


def _submission_extra(result: SubmissionResult) -> dict[str, Any]:
    """Bookkeeping Gradescope stores but does not show: enough to trace a regrade."""
    return {
        "assignment": result.assignment,
        "submission": result.submission,
        "sha256": result.sha256,
        "outcome": result.outcome.value,
        "regrade": result.outcome is Outcome.GRADER_ERROR,
        "max_score": _num(result.max_score),
        "grader_version": result.grader_version,
        "seed": result.seed,
        "sandbox": result.sandbox,
        "graded_at": result.started_at.isoformat(),
    }


# -- one item ---------------------------------------------------------------------


def _test(item: ItemResult) -> dict[str, Any]:
    """One rubric item as one Gradescope test case (no ``instructor_detail``)."""
    return {
        "score": _num(item.points),
        "max_score": 0.0 if item.extra_credit else _num(item.max_points),
        "status": "passed" if item.status in (ItemStatus.PASSED, ItemStatus.MANUAL) else "failed",
        "name": _test_name(item),
        "name_format": _TEXT,
        "number": item.id,
        "output": _test_output(item),
        "output_format": _TEXT,
        "tags": _tags(item),
        "visibility": _VISIBLE,
        "extra_data": {
            "status": item.status.value,
            "extra_credit": item.extra_credit,
            "available_points": _num(item.max_points),
            "duration_s": round(item.duration_s, 3),
        },
    }


def _test_name(item: ItemResult) -> str:
    name = f"{item.id} {item.title}"
    if item.extra_credit:
        name += f" (extra credit, up to {_pts(item.max_points)})"
    if item.status is ItemStatus.MANUAL:
        name += " [awaiting TA grading]"
    return name


def _test_output(item: ItemResult) -> str:
    """Messages first (what the student can act on), then the grading note and output."""
    parts: list[str] = []
    if item.status is ItemStatus.MANUAL:
        parts.append("This item is awaiting TA grading: a TA will score it by hand.")
    elif item.points < item.max_points:
        lost = item.max_points - item.points
        parts.append(f"Lost {_pts(lost)} of {_pts(item.max_points)} points.")
    parts.extend(item.messages)
    if item.note:
        parts.append(f"Grading note: {item.note}")
    if item.output:
        parts.append("Captured output:\n" + _truncate(item.output, MAX_OUTPUT_CHARS))
    return "\n\n".join(parts)


def _tags(item: ItemResult) -> list[str]:
    tags = [item.status.value]
    if item.extra_credit:
        tags.append("extra credit")
    return tags


# -- small helpers ----------------------------------------------------------------


def _truncate(text: str, limit: int) -> str:
    """Keep the head and the tail: the first error and the last lines both matter."""
    if len(text) <= limit:
        return text
    half = limit // 2
    cut = len(text) - 2 * half
    return f"{text[:half]}\n[... {cut} characters cut ...]\n{text[-half:]}"


def _num(value: float) -> float:
    """Points as JSON numbers: floats, rounded to hide binary noise (0.30000000000000004)."""
    return round(float(value), 6)


def _pts(value: float) -> str:
    return f"{round(value, 2):g}"
