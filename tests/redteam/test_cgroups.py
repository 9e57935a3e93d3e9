"""Cgroups: what this host gives, limits written as asked, the tree killed whole, nothing left behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from grader.sandbox import Limits, run_command
from grader.sandbox.cgroups import WorkerCgroup, detect, leftover_cgroups

SUPPORT = detect()
NEEDS_CGROUP = pytest.mark.skipif(SUPPORT.version == "none", reason=f"no cgroup here: {SUPPORT.reason}")


def _ours() -> list[Path]:
    return [child for base in set(SUPPORT.bases.values()) for child in base.glob(f"grader-{os.getpid()}-*")]


def _started_in(procs_files: list[Path], argv: list[str] | None = None) -> subprocess.Popen:
    """``argv`` (a long sleep by default) started inside a cgroup: it joins between fork and exec."""
    def enter() -> None:
        for path in procs_files:
            with open(path, "w") as f:
                f.write(str(os.getpid()))

    return subprocess.Popen(argv or ["sleep", "300"], preexec_fn=enter, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def test_detection_names_a_version_and_says_why():
    assert SUPPORT.version in ("v2", "v1", "none")
    if SUPPORT.version == "none":
        assert SUPPORT.reason
    else:
        assert {"memory", "pids"} & set(SUPPORT.controllers)
    assert SUPPORT.describe().startswith(("cgroup v", "no cgroup"))


@NEEDS_CGROUP
def test_limits_are_written_for_the_whole_tree():
    limits = Limits(memory_mb=300, disk_mb=20, processes=10, threads=1)
    group = WorkerCgroup(SUPPORT, limits, helper_processes=2)
    try:
        if SUPPORT.version == "v1":
            memory = SUPPORT.bases["memory"] / group.name / "memory.limit_in_bytes"
            pids = SUPPORT.bases["pids"] / group.name / "pids.max"
        else:
            memory = SUPPORT.bases["memory"] / group.name / "memory.max"
            pids = SUPPORT.bases["memory"] / group.name / "pids.max"
        assert int(memory.read_text()) == 320 * 2**20
        assert pids.read_text().strip() == "12"
    finally:
        group.kill_all()
        group.remove()
    assert not _ours()


@NEEDS_CGROUP
def test_kill_all_takes_the_whole_tree_even_new_sessions():
    group = WorkerCgroup(SUPPORT, Limits(), helper_processes=0)
    proc = _started_in(group.procs_files(), ["sh", "-c", "setsid sleep 300 & (sleep 300 &) ; sleep 300"])
    try:
        deadline = time.monotonic() + 10
        while len(group.pids()) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(group.pids()) >= 4, group.pids()
        assert group.kill_all()
        assert group.pids() == []
        proc.wait(timeout=10)
    finally:
        group.kill_all()
        assert group.remove()
    assert not _ours()


@NEEDS_CGROUP
@pytest.mark.parametrize("backend", ["bwrap", "rlimit"])
def test_memory_of_the_tree_is_counted_and_named(tmp_path, backend):
    hog = ("import os, time\n"
           "pids = []\n"
           "for _ in range(3):\n"
           "    pid = os.fork()\n"
           "    if pid == 0:\n"
           "        x = b'1' * (200 * 2**20)\n"
           "        time.sleep(2)\n"
           "        os._exit(0)\n"
           "    pids.append(pid)\n"
           "print('codes', [os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in pids])\n")
    limits = Limits(memory_mb=256, disk_mb=16, wall_s=60)
    result = run_command([sys.executable, "-c", hog], workspace=tmp_path, backend=backend, limits=limits)
    assert "-9" in result.output, result.output
    assert not _ours()


def _freezer(name: str) -> Any:
    """The cgroup's freeze control, as the kills use it."""
    from grader.sandbox.cgroups import _freezer as freezer_of

    return freezer_of(SUPPORT, name)


def _frozen(freezer: Any) -> bool:
    return freezer.control.read_text().strip() in ("1", "FROZEN", "FREEZING")


NEEDS_FREEZER = pytest.mark.skipif(SUPPORT.version == "none" or _freezer("x") is None,
                                   reason="needs a cgroup freezer")


@NEEDS_FREEZER
@pytest.mark.parametrize("moment", ["while freezing", "while killing"])
def test_a_kill_interrupted_mid_way_still_thaws_the_cgroup(monkeypatch, moment):
    """Ctrl-C (or a batch worker's SIGTERM) between freezing and thawing must not leave a
    frozen sandbox behind: frozen processes ignore SIGKILL, so nothing would ever end them."""
    from grader.sandbox import cgroups

    group = WorkerCgroup(SUPPORT, Limits(), helper_processes=0)
    proc = _started_in(group.procs_files())
    freezer = _freezer(group.name)
    real_kill = os.kill

    def interrupted_kill(pid: int, sig: int) -> None:
        if pid == proc.pid:
            assert _frozen(freezer), "the kills should go out while the cgroup is frozen"
            raise KeyboardInterrupt
        real_kill(pid, sig)

    def interrupted_freeze(self) -> None:  # type: ignore[no-untyped-def]
        self.control.write_text(self.frozen)  # frozen, and the signal lands before the wait for it is over
        raise KeyboardInterrupt

    try:
        if moment == "while killing":
            monkeypatch.setattr(cgroups.os, "kill", interrupted_kill)
        else:
            monkeypatch.setattr(cgroups._Freezer, "freeze", interrupted_freeze)
        with pytest.raises(KeyboardInterrupt):
            group.kill_all()
        monkeypatch.undo()
        assert not _frozen(freezer)
    finally:
        monkeypatch.undo()
        group.kill_all()
        proc.wait(timeout=10)
        assert group.remove()


@NEEDS_FREEZER
def test_a_frozen_cgroup_of_a_dead_grading_process_is_killed_and_removed_by_the_next_one():
    """A grading process SIGKILLed while a sandbox was frozen: the next run's first cgroup sweeps it."""
    from grader.sandbox import cgroups

    dead = subprocess.Popen(["true"])
    dead.wait()
    name = f"grader-{dead.pid}-1"
    folders = [base / name for base in dict.fromkeys(SUPPORT.bases.values())]
    for folder in folders:
        folder.mkdir()
    proc = _started_in([folder / "cgroup.procs" for folder in folders])
    try:
        freezer = _freezer(name)
        freezer.freeze()
        assert _frozen(freezer)
        assert any(folder.name == name for folder in leftover_cgroups())
        cgroups.sweep_leftover_cgroups()
        assert proc.wait(timeout=10) == -9
        assert not any(folder.exists() for folder in folders)
    finally:
        proc.kill()
        _freezer(name).thaw()
        for folder in folders:
            if folder.exists():
                time.sleep(0.2)
                folder.rmdir()


@NEEDS_FREEZER
def test_a_pool_worker_last_resort_ends_its_frozen_sandboxes():
    """What ``grader.batch.poolworker`` does when its grace time is over: its cgroups' processes
    are killed and thawed, so they die even if the engine was stopped with the cgroup frozen."""
    from grader.sandbox.cgroups import release_cgroups_of

    group = WorkerCgroup(SUPPORT, Limits(), helper_processes=0)
    proc = _started_in(group.procs_files())
    freezer = _freezer(group.name)
    try:
        freezer.freeze()
        assert _frozen(freezer)
        assert release_cgroups_of(os.getpid()) == 1
        assert proc.wait(timeout=10) == -9
        assert not _frozen(freezer)
    finally:
        group.kill_all()
        assert group.remove()


@NEEDS_CGROUP
def test_nothing_is_left_behind_after_grading():
    assert not _ours()
    assert all(not p.name.startswith(f"grader-{os.getpid()}-") for p in leftover_cgroups())


def test_v2_on_a_fake_hierarchy(tmp_path):
    """The v2 path cannot run on a v1 host: check it against a folder laid out like cgroup2."""
    from grader.sandbox.cgroups import CgroupSupport, _detect_v2

    own = tmp_path / "grader.slice"
    own.mkdir()
    (own / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (own / "cgroup.subtree_control").write_text("")
    support, why = _detect_v2(tmp_path, "/grader.slice")
    assert support is not None, why
    assert support.version == "v2" and set(support.controllers) == {"cpu", "memory", "pids"}
    assert (own / "cgroup.subtree_control").read_text() == "+cpu +memory +pids"

    group = WorkerCgroup(support, Limits(memory_mb=512, disk_mb=64, processes=20, threads=2), helper_processes=2)
    folder = own / group.name
    assert (folder / "memory.max").read_text() == str(576 * 2**20)
    assert (folder / "pids.max").read_text() == "22"
    (folder / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 1\n")
    (folder / "memory.events").write_text("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n")
    (folder / "pids.events").write_text("max 3\n")
    assert group.counters() == type(group.counters())(oom_kills=1, pids_refused=3, cpu_s=2.5)
    for leftover in folder.iterdir():  # a real cgroup folder has no files to delete
        leftover.unlink()
    assert group.remove()

    no_memory = tmp_path / "small"
    no_memory.mkdir()
    (no_memory / "cgroup.controllers").write_text("cpu io\n")
    support, why = _detect_v2(tmp_path, "/small")
    assert support is None and "offers only cpu, io" in why
    assert CgroupSupport("none", {}, why).describe().startswith("no cgroup")
