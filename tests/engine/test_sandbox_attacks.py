"""Hostile submissions against the toy rubric: a few end-to-end smoke checks of the engine.

The red-team corpus (``tests/redteam/corpus``, run by ``tests/redteam/test_corpus.py``)
holds the attacks themselves, one folder each, with the outcome each must get on both
backends. What stays here checks the engine's own plumbing on the toy assignment: a
worker that exits is restarted for the next item, output is capped without failing
the item, and the network is closed on both backends.
"""

from __future__ import annotations

import pytest

from grader.results.models import ItemStatus, Outcome
from tests.engine.conftest import GOOD_CALC, item


def calc_with(add_body: str, prelude: str = "") -> str:
    return f"{prelude}\n\ndef add(a, b):\n{add_body}\n\n\ndef scale(t, k):\n    return t * k\n"


def messages(result, item_id="1.1") -> str:  # type: ignore[no-untyped-def]
    return "\n".join(item(result, item_id).messages)


def test_reference_like_submission_scores_all_automatic_points(grade_files):
    result = grade_files({"calc.py": GOOD_CALC, "answers.md": "because"})
    assert result.outcome is Outcome.GRADED
    assert [i.points for i in result.items] == [2, 2, 1, 0]
    assert item(result, "1.4").status is ItemStatus.MANUAL


NETWORK = calc_with("""    import socket
    s = socket.socket()
    s.settimeout(2)
    s.connect(("1.1.1.1", 53))
    return a + b""")


@pytest.mark.parametrize("backend", ["bwrap", "rlimit"])
def test_network_is_closed_on_both_backends(grade_files, backend):
    result = grade_files({"calc.py": NETWORK}, backend=backend)
    text = messages(result)
    assert item(result, "1.1").points == 0
    if backend == "bwrap":  # a network namespace with only loopback
        assert "Network is unreachable" in text or "OSError" in text, text
    else:  # seccomp refuses internet sockets; the report still says what rlimit cannot isolate
        assert "PermissionError" in text and "Operation not permitted" in text, text
        assert any("no network namespace" in w for w in result.sandbox_warnings)


def test_early_sys_exit_at_import_is_reported(grade_files):
    result = grade_files({"calc.py": "import sys\nsys.exit(3)\n" + GOOD_CALC})
    assert "sys.exit(3)" in messages(result)
    assert result.outcome is Outcome.GRADED and result.score == 0


def test_os_exit_kills_the_worker_and_the_next_item_restarts_it(grade_files):
    result = grade_files({"calc.py": calc_with("    import os\n    os._exit(7)")})
    assert "exited early with status 7" in messages(result)
    assert item(result, "1.2").points == 2
    assert any("stopped" in w for w in result.warnings)


def test_output_flood_is_capped(grade_files):
    result = grade_files({"calc.py": calc_with("    print('x' * 10_000_000)\n    return a + b")})
    one = item(result, "1.1")
    assert one.points == 2
    assert len(one.output) <= 20_000 and "dropped" in one.output


FORKED_CHILD_RAISES = calc_with("""    import os
    pid = os.fork()
    if pid == 0:
        raise ValueError("the forked child unwinds into the worker")  # or returns: the same
    os.waitpid(pid, 0)
    return a + b""")


@pytest.mark.parametrize("backend", ["bwrap", "rlimit"])
def test_a_process_the_code_forked_never_answers_for_the_worker(grade_files, backend):
    """A child the student's code forked that comes back out of the call (raising or returning) runs
    the worker's loop in its copy: it must exit there, not reply or read the next request."""
    result = grade_files({"calc.py": FORKED_CHILD_RAISES, "answers.md": "because"}, backend=backend)
    assert result.outcome is Outcome.GRADED
    assert [i.points for i in result.items] == [2, 2, 1, 0], [i.messages for i in result.items]
    assert "never made" not in "\n".join(m for i in result.items for m in i.messages)
