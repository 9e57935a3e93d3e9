"""What a worker prints reaches the right test's output slice.

A worker flushes stdout and stderr before it replies, but the grader's drain threads read
those pipes on their own time: under load (a batch on 2 busy cores) a call's reply could
arrive before its output did, and the text landed in the next test's slice or in none.
``WorkerProcess.receive`` settles the pipes, so the order no longer depends on threads.
"""

from __future__ import annotations

import time

import pytest

from grader.checks.proxy import StudentProxy
from grader.checks.session import WorkerSession
from grader.sandbox import Limits, backend_problem, choose_backend
from grader.sandbox.process import WorkerProcess

SHOUT = '''
import sys

def shout(word):
    print(word)
    print(word.lower(), file=sys.stderr)
    return len(word)
'''

_drain = WorkerProcess._drain


def _late_drain(self: WorkerProcess, fd: int) -> None:
    """A drain thread that the scheduler runs late, as on a loaded machine."""
    time.sleep(1.5)
    _drain(self, fd)


@pytest.mark.parametrize("backend", ["rlimit", "bwrap"])
def test_what_a_call_printed_is_captured_when_its_reply_arrives(backend, tmp_path, monkeypatch):
    if backend_problem(backend):
        pytest.skip(backend_problem(backend))
    monkeypatch.setattr(WorkerProcess, "_drain", _late_drain)
    (tmp_path / "mod.py").write_text(SHOUT)
    session = WorkerSession(choose_backend(backend), tmp_path, Limits(wall_s=120, call_s=30))
    try:
        student = StudentProxy(session)
        session.ensure_worker()
        for word in ("FIRST", "SECOND"):
            start = session.output.position
            assert student.mod.shout(word) == len(word)
            printed = session.output.text(start)
            assert word in printed and word.lower() in printed, printed
    finally:
        session.close()
