"""The pytest plugin that runs a rubric's hidden tests on the trusted side.

It provides these fixtures to hidden tests:

- ``student``: a ``StudentProxy`` on the submission's worker (started or restarted
  as needed, seeded for this test);
- ``rng``: a ``numpy.random.Generator`` seeded for this test (torch's global RNG on
  the trusted side is seeded the same way);
- ``answers``: the submission's answers file as data (``grader.checks.answers.Answers``);
- ``attach``: pictures and text for the item's section of the report
  (``grader.checks.attachments.Attachments``).

and records one ``TestOutcome`` per test: passed or not, a student-facing message
(their traceback for their errors, never the grader's internals), the student's
output while the test ran, and the time it took.

Who is at fault decides the outcome. A test fails the student when it fails an
assertion, calls ``pytest.fail``, or the student's code raised or killed the worker
(``GradingError``). Any other exception comes from the hidden test's own code (a
``NameError``, a broken fixture, a probe that does not exist, a helper misused): that
is a bug of ours, recorded as ``grader_error`` with the traceback for the instructor,
and the item is a grader error, never a lost point.
"""

from __future__ import annotations

import fnmatch
import hashlib
import time
from dataclasses import dataclass
from typing import Any, Iterator

import pytest

from grader.checks.answers import Answers
from grader.checks.attachments import Attachments
from grader.checks.bounded import TRUSTED_MEMORY_MB
from grader.checks.proxy import HiddenTestBug, StudentProxy
from grader.results.models import Artifact
from grader.checks.session import GradingError, StudentCodeError, WorkerDied, WorkerSession

__all__ = ["GraderPlugin", "TestOutcome", "seed_for"]

_MESSAGE_LIMIT = 3000
#: the instructor's traceback of a hidden test's own failure (its end is kept)
_BUG_LIMIT = 12000


@dataclass(frozen=True)
class TestOutcome:
    nodeid: str
    passed: bool
    message: str = ""
    output: str = ""
    duration_s: float = 0.0
    artifacts: tuple[Artifact, ...] = ()
    #: artifacts the test tried to attach past the size limit, said in words
    dropped_artifacts: tuple[str, ...] = ()
    #: the traceback when the hidden test's own code failed (a bug of ours, not the student's)
    grader_error: str = ""


def seed_for(base: int, nodeid: str) -> int:
    """A stable per-test seed: the rubric's base seed mixed with the test's id."""
    digest = hashlib.sha256(f"{base}:{nodeid}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def selector_matches(selector: str, nodeid: str) -> bool:
    """``file.py::name`` globs; a bare ``name`` matches that test with any parameters.

    A parametrized id may be written as it is (``test_arch[cnn]``): its brackets then
    match themselves, while ``*`` and ``?`` stay globs.
    """
    literal = selector.replace("[", "[[]")
    return any(fnmatch.fnmatchcase(nodeid, pattern) for pattern in
               (selector, selector + "[[]*", literal, literal + "[[]*"))


class GraderPlugin:
    def __init__(self, session: WorkerSession, *, base_seed: int, selectors: list[str],
                 answers: Answers | None = None):
        self.session = session
        # not ``self.answers``: that name is the fixture, and pytest finds fixtures by attribute
        self.submission_answers = answers if answers is not None else Answers(
            "answers file", problem="this assignment does not use an answers file (the rubric names none)")
        self._attachments: dict[str, Attachments] = {}
        self.base_seed = base_seed
        self.selectors = selectors
        self.outcomes: dict[str, TestOutcome] = {}
        self.collected: list[str] = []
        self._phase_messages: dict[str, list[str]] = {}
        self._bugs: dict[str, list[str]] = {}
        self._outputs: dict[str, str] = {}
        self._started: dict[str, float] = {}

    # ----------------------------------------------------------------- fixtures

    @pytest.fixture
    def student(self, request: pytest.FixtureRequest) -> Iterator[StudentProxy]:
        nodeid = request.node.nodeid
        try:
            self.session.ensure_worker()
            self.session.seed(seed_for(self.base_seed, nodeid))
        except WorkerDied as exc:
            pytest.fail(f"the test could not run: {exc.cause}", pytrace=False)
        capture = self.session.output
        start = capture.position if capture else 0
        try:
            yield StudentProxy(self.session)
        finally:
            capture = self.session.output if self.session.output is capture else capture
            if capture is not None:
                text = capture.text(start)
                if capture.dropped:
                    text += f"\n[output cut: {capture.dropped} more bytes were dropped]"
                self._outputs[nodeid] = text

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> Any:
        import numpy as np

        return np.random.default_rng(seed_for(self.base_seed, request.node.nodeid))

    @pytest.fixture
    def answers(self) -> Answers:
        return self.submission_answers

    @pytest.fixture
    def attach(self, request: pytest.FixtureRequest) -> Attachments:
        return self._attachments.setdefault(request.node.nodeid, Attachments())

    @pytest.fixture(autouse=True)
    def _seed_trusted_side(self, request: pytest.FixtureRequest) -> None:
        import torch

        torch.manual_seed(seed_for(self.base_seed, request.node.nodeid))

    # ----------------------------------------------------------------- hooks

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        keep, drop = [], []
        for item in items:
            (keep if any(selector_matches(s, item.nodeid) for s in self.selectors) else drop).append(item)
        self.collected = [item.nodeid for item in keep]
        if any(not any(selector_matches(sel, n) for n in self.collected) for sel in self.selectors):
            # a selector that matches nothing is a rubric bug: say so before any test (or training) runs
            drop, keep = items[:], []
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = keep

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
        outcome = yield
        report = outcome.get_result()
        if call.when == "setup":
            self._started[item.nodeid] = time.monotonic()
        if report.failed and _is_hidden_test_bug(call):
            self._bugs.setdefault(item.nodeid, []).append(f"[{call.when}] {report.longreprtext}")
        elif report.failed or (report.skipped and call.when != "teardown"):
            self._phase_messages.setdefault(item.nodeid, []).append(_describe(call, report))

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        messages = self._phase_messages.get(nodeid, [])
        bugs = self._bugs.get(nodeid, [])
        attached = self._attachments.pop(nodeid, None)
        self.outcomes[nodeid] = TestOutcome(
            artifacts=tuple(attached.artifacts) if attached else (),
            dropped_artifacts=tuple(attached.dropped) if attached else (),
            nodeid=nodeid,
            passed=not messages and not bugs,
            message="\n".join(messages)[:_MESSAGE_LIMIT],
            grader_error="\n".join(bugs)[-_BUG_LIMIT:],
            output=self._outputs.get(nodeid, ""),
            duration_s=time.monotonic() - self._started.get(nodeid, time.monotonic()),
        )


def _is_hidden_test_bug(call: pytest.CallInfo) -> bool:
    """True when the exception comes from the hidden test's own code, not from the student's."""
    excinfo = call.excinfo
    if excinfo is None:
        return False
    exc = excinfo.value
    if isinstance(exc, HiddenTestBug):
        return True
    student_side = (GradingError, AssertionError, pytest.fail.Exception, pytest.skip.Exception,
                    KeyboardInterrupt, SystemExit, MemoryError)  # MemoryError: the grader's cap (checks.bounded)
    return not isinstance(exc, student_side)


def _describe(call: pytest.CallInfo, report: pytest.TestReport) -> str:
    """A student-facing reason: their traceback, the death cause, or the assertion's message."""
    if report.skipped:
        return "the test was skipped: " + str(getattr(report, "longrepr", ""))[-300:]
    excinfo = call.excinfo
    if excinfo is None:
        return str(report.longrepr)[:_MESSAGE_LIMIT]
    exc = excinfo.value
    if isinstance(exc, StudentCodeError):
        return exc.describe()
    if isinstance(exc, WorkerDied):
        return f"The worker running your code stopped: {exc.cause}"
    if isinstance(exc, pytest.fail.Exception):
        return str(exc.msg if hasattr(exc, "msg") else exc)
    if isinstance(exc, MemoryError):
        return ("Checking this needed more memory than the grader allows one submission "
                f"({TRUSTED_MEMORY_MB} MiB beyond its own): check the sizes your code returns.")
    if isinstance(exc, AssertionError):
        text = str(exc)
        # pytest appends its introspection ("assert ...") after a custom message: keep the message
        head, sep, _ = text.partition("\nassert ")
        return head if sep and head.strip() else (text or "an assertion failed")
    return f"{type(exc).__name__}: {exc}"
