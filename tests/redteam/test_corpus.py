"""Every red-team case, graded end to end on both backends: contained, with its message.

Under ``bwrap`` every case must be contained. Under ``rlimit`` the cases it cannot
stop are marked ``known`` in their ``expect.toml`` and asserted as holes (the leak they
name must show), so a regression, or a fix, in either direction fails this test.
"""

from __future__ import annotations

import pytest

from grader.results.models import Outcome
from grader.sandbox import cgroups, choose_backend
from tests.redteam.harness import (
    FAMILIES,
    Case,
    grade_submission,
    item_of,
    leaks,
    load_cases,
    matches,
    materialize,
)

CASES = load_cases()
BACKENDS = ("bwrap", "rlimit")


def _same_uid() -> bool:
    return not choose_backend("rlimit").drops_privileges


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, backend: str, host, baseline, tmp_path):  # type: ignore[no-untyped-def]
    if case.needs == "cgroup" and cgroups.detect().version == "none":
        pytest.skip(f"{case.id} needs a cgroup, which this host does not give: {cgroups.detect().reason}")
    expect = case.expectation(backend, worker_same_uid=backend == "rlimit" and _same_uid())
    host.reset_canary()
    submission = materialize(case, tmp_path, host)
    before = host.snapshot()
    result = grade_submission(submission, assignment=case.assignment, backend=backend, limits=case.limits)
    found = leaks(result, host, before)
    summary = _summary(result, found)

    if expect.known:
        assert expect.leak, f"{case.id}: a known hole must name the leak that shows it"
        assert expect.leak in found, f"{case.id} is marked as a known hole under {backend} but did not leak " \
                                     f"{expect.leak!r}: has it been fixed? Update its expect.toml.\n{summary}"
    else:
        assert not found, f"{case.id} leaked {sorted(found)} under {backend}\n{summary}"

    assert result.outcome.value == expect.outcome, summary
    if result.outcome is Outcome.NOT_GRADABLE:
        assert matches(expect.message, result.reason), summary
        return
    if expect.files:
        assert matches(expect.files, ",".join(result.files)), summary
    if not expect.item:
        assert matches(expect.message, "\n".join(m for i in result.items for m in i.messages)), summary
    else:
        failed = item_of(result, expect.item)
        assert failed.points < failed.max_points, f"{case.id}: item {expect.item} should lose points\n{summary}"
        text = "\n".join(failed.messages)
        assert matches(expect.message, text), f"{case.id}: message /{expect.message}/ not in:\n{summary}"
        if expect.output:
            assert matches(expect.output, failed.output), f"{case.id}: output /{expect.output}/ not in:\n{summary}"
    reference = baseline(case.assignment, backend)
    for item_id in expect.intact:
        assert item_of(result, item_id).points == item_of(reference, item_id).points, \
            f"{case.id}: item {item_id} should score as the reference does (grading goes on)\n{summary}"


def _summary(result, found) -> str:  # type: ignore[no-untyped-def]
    lines = [f"outcome={result.outcome.value} reason={result.reason!r} leaks={sorted(found)}"]
    for item in result.items:
        lines.append(f"  [{item.id}] {item.points:g}/{item.max_points:g} {item.status.value}: "
                     + " | ".join(item.messages)[:1500])
        if item.output.strip():
            lines.append(f"      output: {item.output[-600:]!r}")
    lines += [f"  warning: {w}" for w in result.warnings]
    return "\n".join(lines)


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
