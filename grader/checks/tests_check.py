"""The ``tests`` check kind: run the selected hidden tests once, then score each item.

All the tests a rubric selects run in one in-process pytest session on the trusted
side (one worker shared across them); each item then takes the outcomes its
selectors match and turns them into points.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path
from typing import Iterator

import pytest

from grader.checks.answers import Answers
from grader.checks.bounded import memory_cap
from grader.checks.pytest_plugin import GraderPlugin, TestOutcome, selector_matches
from grader.checks.session import WorkerSession
from grader.results.models import ItemResult, ItemStatus
from grader.rubric.schema import Item, TestsCheck

__all__ = ["run_hidden_tests", "score_tests_item", "HiddenTestsError", "GRADER_BUG_MESSAGE"]

#: what the student reads for an item whose hidden test itself failed
GRADER_BUG_MESSAGE = ("Not graded: a hidden test of this item failed because of a bug in the grader, not in "
                      "your code. Your instructor has been told; this item will be regraded.")

_SHOWN_FAILURES = 6
_OUTPUT_LIMIT = 8000


class HiddenTestsError(RuntimeError):
    """The hidden tests themselves are broken (collection failed, a selector matches nothing)."""


def run_hidden_tests(session: WorkerSession, tests_dir: Path, selectors: list[str], *, base_seed: int,
                     answers: Answers | None = None) -> dict[str, TestOutcome]:
    """Run every test matching ``selectors`` under ``tests_dir``; returns outcomes by node id."""
    plugin = GraderPlugin(session, base_seed=base_seed, selectors=selectors, answers=answers)
    args = [
        str(tests_dir), f"--rootdir={tests_dir}", "-c", os.devnull, "-p", "no:cacheprovider",
        "-p", "no:randomly", "-p", "no:unraisableexception", "--import-mode=importlib", "-q", "--no-header", "-o", "console_output_style=classic",
    ]
    sink = io.StringIO()
    with _importable_helpers(tests_dir), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        with memory_cap():  # trusted-side work on this submission's data fails its test, not the process
            code = pytest.main(args, plugins=[plugin])
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR) or (
        code == pytest.ExitCode.INTERRUPTED and not plugin.outcomes
    ):
        raise HiddenTestsError(f"the hidden tests in {tests_dir} could not run (pytest exit {code}):\n"
                               + sink.getvalue()[-4000:])
    for selector in selectors:
        if not any(selector_matches(selector, nodeid) for nodeid in plugin.collected):
            raise HiddenTestsError(f"rubric selector {selector!r} matches no test in {tests_dir}\n"
                                   + sink.getvalue()[-2000:])
    return plugin.outcomes


@contextlib.contextmanager
def _importable_helpers(tests_dir: Path) -> Iterator[None]:
    """Let hidden tests import helper modules beside them, and forget those modules afterwards
    (two assignments may both have a ``helpers.py``)."""
    folder = str(tests_dir.resolve())
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        sys.path.remove(folder)
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", "") or "").startswith(folder + os.sep):
                del sys.modules[name]


def score_tests_item(item: Item, outcomes: dict[str, TestOutcome]) -> ItemResult:
    check = item.check
    assert isinstance(check, TestsCheck)
    mine = [o for nodeid, o in outcomes.items() if any(selector_matches(s, nodeid) for s in check.tests)]
    if not mine:
        raise HiddenTestsError(f"item {item.id}: none of its tests ran ({', '.join(check.tests)})")
    bugs = [o for o in mine if o.grader_error]
    if bugs:
        return ItemResult(
            id=item.id, title=item.title, points=0.0, max_points=item.points, status=ItemStatus.ERROR,
            messages=(GRADER_BUG_MESSAGE,), note=item.note, extra_credit=item.extra_credit,
            duration_s=round(sum(o.duration_s for o in mine), 3),
            instructor_detail="\n\n".join(f"{o.nodeid}\n{o.grader_error}" for o in bugs),
        )
    passed = sum(o.passed for o in mine)
    if check.scoring == "per_test":
        points = item.points * passed / len(mine)
    else:
        points = item.points if passed == len(mine) else 0.0
    status = (ItemStatus.PASSED if passed == len(mine) else
              ItemStatus.PARTIAL if points > 0 else ItemStatus.FAILED)
    messages = [f"{passed} of {len(mine)} tests passed."]
    failures = [o for o in mine if not o.passed]
    for outcome in failures[:_SHOWN_FAILURES]:
        messages.append(f"{_short_name(outcome.nodeid)}: {outcome.message}")
    if len(failures) > _SHOWN_FAILURES:
        messages.append(f"... and {len(failures) - _SHOWN_FAILURES} more failing tests.")
    if check.scoring == "all_or_nothing" and failures and passed:
        messages.append("This item is all-or-nothing: every one of its tests must pass.")
    messages.extend(note for o in mine for note in o.dropped_artifacts)
    output = "".join(f"--- {_short_name(o.nodeid)}\n{o.output}" for o in mine if o.output.strip())
    return ItemResult(
        id=item.id, title=item.title, points=round(points, 4), max_points=item.points, status=status,
        messages=tuple(messages), note=item.note, output=_truncate(output, _OUTPUT_LIMIT),
        duration_s=round(sum(o.duration_s for o in mine), 3), extra_credit=item.extra_credit,
        artifacts=tuple(a for o in mine for a in o.artifacts),
    )


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    dropped = "[output cut: only the first {} of {} characters are shown; the rest was dropped]"
    return text[:limit] + "\n" + dropped.format(limit, len(text))


def _short_name(nodeid: str) -> str:
    return nodeid.split("::", 1)[-1]
