"""Every red-team case, graded end to end on both backends: contained, with its message.

Under ``bwrap`` every case must be contained. Under ``rlimit`` the cases it cannot
stop are marked ``known`` in their ``expect.toml`` and asserted as holes (the leak they
name must show), so a regression, or a fix, in either direction fails this test.
``bwrap-warm`` grades every case again through one shared warm backend (each case forked
from the sandbox the previous hostile case used), held to ``bwrap``'s expectations.
"""

from __future__ import annotations

import pytest

from grader.sandbox import backend_problem, cgroups
from grader.sandbox.zygote import warm_unavailable_reason
from tests.redteam.harness import (FAMILIES, WARM, Case, check_case, close_shared_warm_backend, load_cases,
                                   shared_warm_backend)

CASES = load_cases()
BACKENDS = ("bwrap", "rlimit")
#: ``bwrap-warm``: every case forked from ONE warm sandbox, right after another hostile case
VARIANTS = (*BACKENDS, WARM)


@pytest.fixture(scope="module", autouse=True)
def _close_warm_backend():  # type: ignore[no-untyped-def]
    yield
    close_shared_warm_backend()


@pytest.mark.parametrize("backend", VARIANTS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, backend: str, host, baseline, tmp_path):  # type: ignore[no-untyped-def]
    if case.needs == "cgroup" and cgroups.detect().version == "none":
        pytest.skip(f"{case.id} needs a cgroup, which this host does not give: {cgroups.detect().reason}")
    if backend == WARM:
        reason = backend_problem("bwrap") or warm_unavailable_reason()
        if reason:
            pytest.skip(f"warm workers are unavailable here: {reason}")
    check_case(case, backend, host, baseline, tmp_path)
    if backend == WARM and not case.pending:
        warm = shared_warm_backend()
        assert warm.warm, f"{case.id} turned warm workers off for the whole run: {warm.warm_problem}"


def test_the_corpus_covers_every_family_with_enough_cases():
    counted = {family: sum(1 for c in CASES if c.family == family and not c.pending) for family in FAMILIES}
    assert all(counted[f] >= 3 for f in FAMILIES), counted
    assert sum(counted.values()) >= 40, counted


def test_every_case_says_what_it_tries_and_what_stops_it():
    for case in CASES:
        assert case.attack.strip() and case.stopped_by.strip(), case.id
        files = [p.name for p in case.folder.iterdir() if p.name != "expect.toml"]
        assert files, f"{case.id} has no submission"
        for backend in BACKENDS:
            for same_uid in (False, True):
                expect = case.expectation(backend, worker_same_uid=same_uid)
                assert expect.outcome in ("graded", "not_gradable"), case.id
                assert expect.message, f"{case.id}: say what the TA sees ({backend})"
                if backend == "bwrap":
                    assert not expect.known, f"{case.id}: bwrap must contain every case"


def test_the_harness_sees_the_leaks_it_looks_for(host):
    """Negative controls: a daemon with the marker and a dead neighbour are noticed."""
    import subprocess
    import time

    daemon = subprocess.Popen(["bash", "-c", f"exec -a {host.marker} sleep 30"])
    try:
        deadline = time.monotonic() + 5
        while not host.marker_processes() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert host.marker_processes() == [daemon.pid]
    finally:
        daemon.kill()
        daemon.wait()
    assert host.marker_processes() == []
    host._neighbour.kill()
    host._neighbour.wait()
    assert not host.neighbour_alive(), "a dead neighbour must be seen"
    assert host.neighbour_alive(), "and restarted for the next case"
    (host.canary / "planted.txt").write_text("x")
    assert host.canary_state() != [("keep.txt", "canary")]
    host.reset_canary()
    assert host.canary_state() == [("keep.txt", "canary")]
