"""Warm workers (``grader.sandbox.zygote``): forked from one sandbox, and each as a fresh one.

These drive ``WorkerSession`` the way the hidden tests' ``student`` fixture does, with one
``BwrapBackend(warm=True)`` shared by the tests of this module, as a batch's pool worker
shares one across submissions. What one submission can leave for the next is the red
team's (``tests/redteam/test_warm.py`` and the corpus's ``bwrap-warm`` runs).
"""

from __future__ import annotations

import os

import pytest

from grader.checks.proxy import StudentProxy
from grader.checks.session import StudentCodeError, WorkerDied, WorkerSession
from grader.sandbox import BwrapBackend, Limits, backend_problem
from grader.sandbox.zygote import ZYGOTE_PID, warm_unavailable_reason

pytestmark = pytest.mark.skipif(
    backend_problem("bwrap") is not None or warm_unavailable_reason() is not None,
    reason=f"warm workers need bwrap as root with a cgroup: {backend_problem('bwrap') or warm_unavailable_reason()}")

PROBE = '''
import os, sys, time

def who():
    return {"pid": os.getpid(), "ppid": os.getppid(), "uid": os.getuid(), "cwd": os.getcwd(),
            "torch_loaded": "torch" in sys.modules, "files": sorted(os.listdir("."))}

def spin(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return "done"

def leave(code):
    os._exit(code)

def allocate(mib):
    return len(b"\x01" * (mib * 2**20))

def write(name, text):
    with open(name, "w") as f:
        f.write(text)
    return name
'''


@pytest.fixture(scope="module")
def warm_backend():
    backend = BwrapBackend(warm=True)
    yield backend
    backend.close()


@pytest.fixture
def open_session(warm_backend, tmp_path):
    sessions: list[WorkerSession] = []

    def make(files: dict[str, str], limits: Limits | None = None) -> tuple[WorkerSession, StudentProxy]:
        folder = tmp_path / f"submission{len(sessions)}"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text)
        session = WorkerSession(warm_backend, folder, limits or Limits(wall_s=120, call_s=30))
        sessions.append(session)
        return session, StudentProxy(session)

    yield make
    for session in sessions:
        session.close()


def _zygotes(backend: BwrapBackend) -> list:
    return [z for z in backend._zygotes if not z.closed]


def test_workers_are_forked_from_one_warm_sandbox_that_imported_torch(warm_backend, open_session):
    first, student = open_session({"mod.py": PROBE, "a.txt": "first"})
    seen = student.mod.who()
    assert seen["ppid"] == ZYGOTE_PID and seen["pid"] != ZYGOTE_PID
    assert seen["torch_loaded"], "the child should find torch already imported by the zygote"
    assert seen["cwd"] == "/workspace" and seen["files"] == ["a.txt", "mod.py"]
    assert seen["uid"] != 0
    zygote = _zygotes(warm_backend)[0]
    first.close()

    second, student = open_session({"mod.py": PROBE, "b.txt": "second"})
    again = student.mod.who()
    assert _zygotes(warm_backend) == [zygote], "the second submission should reuse the warm sandbox"
    assert again["files"] == ["b.txt", "mod.py"], "the first submission's files must be gone"
    assert again["pid"] != seen["pid"] and again["ppid"] == ZYGOTE_PID
    second.close()


def test_a_worker_that_exits_is_described_and_the_next_one_forks_again(warm_backend, open_session):
    session, student = open_session({"mod.py": PROBE})
    with pytest.raises(WorkerDied, match="exited early with status 3"):
        student.mod.leave(3)
    assert student.mod.who()["ppid"] == ZYGOTE_PID  # a new child of the same zygote
    assert session.deaths == 1
    session.close()
    assert len(_zygotes(warm_backend)) == 1


def test_a_call_past_its_limit_kills_the_child_not_the_sandbox(warm_backend, open_session):
    session, student = open_session({"mod.py": PROBE}, Limits(wall_s=120, call_s=2))
    student.mod.who()
    zygote = _zygotes(warm_backend)[0]
    with pytest.raises(WorkerDied, match="did not finish within 2 s"):
        student.mod.spin(30)
    assert student.mod.who()["ppid"] == ZYGOTE_PID
    session.close()
    assert _zygotes(warm_backend) == [zygote]


def test_the_cpu_limit_counts_only_the_child(warm_backend, open_session):
    """The zygote's own start-up (torch) and earlier children are not charged to a new child."""
    session, student = open_session({"mod.py": PROBE}, Limits(wall_s=120, call_s=60, cpu_s=3))
    assert student.mod.spin(1) == "done"
    with pytest.raises(WorkerDied, match="more than 3 s of CPU time|used up its 3 s of CPU time"):
        student.mod.spin(10)
    session.close()


def test_the_memory_limit_is_the_students_not_shared_with_the_zygotes_torch(warm_backend, open_session):
    """The child's address-space limit is ``memory_mb`` over what the zygote already maps (torch, ~0.6 GB),
    as a fresh worker's is over its own small start: 500 MiB fit in 768, 900 MiB do not."""
    session, student = open_session({"mod.py": PROBE}, Limits(wall_s=120, call_s=30, memory_mb=768))
    assert student.mod.who()["ppid"] == ZYGOTE_PID
    assert student.mod.allocate(500) == 500 * 2**20
    with pytest.raises(StudentCodeError, match="MemoryError"):
        student.mod.allocate(900)
    session.close()


def test_what_the_worker_writes_is_readable_until_the_next_submission(warm_backend, open_session):
    session, student = open_session({"mod.py": PROBE})
    student.mod.write("out.txt", "hello")
    assert session.read_file("out.txt") == b"hello"
    session.close()
    _, student = open_session({"mod.py": PROBE})
    assert "out.txt" not in student.mod.who()["files"]


def test_other_limits_get_their_own_sandbox_and_close_leaves_nothing(tmp_path):
    backend = BwrapBackend(warm=True)
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "mod.py").write_text(PROBE)
    try:
        for limits in (Limits(wall_s=60), Limits(wall_s=60, memory_mb=2048)):
            session = WorkerSession(backend, folder, limits)
            assert StudentProxy(session).mod.who()["ppid"] == ZYGOTE_PID
            session.close()
            assert [z.limits for z in _zygotes(backend)] == [limits]
        workspace = _zygotes(backend)[0].workspace
        cgroup_dirs = list(_zygotes(backend)[0].confinement.cgroup.dirs)
    finally:
        backend.close()
    assert not workspace.exists(), "closing the backend must unmount and delete the warm workspace"
    assert cgroup_dirs and not [d for d in cgroup_dirs if d.exists()], "its cgroup must be removed"
    assert not os.path.ismount(workspace.parent)


def test_without_warm_the_worker_starts_fresh(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "mod.py").write_text(PROBE)
    session = WorkerSession(BwrapBackend(), folder, Limits(wall_s=60))
    try:
        seen = StudentProxy(session).mod.who()
    finally:
        session.close()
    # a fresh worker is bubblewrap's command itself (pid 2 under its init) and imports torch only if asked
    assert (seen["pid"], seen["ppid"], seen["torch_loaded"]) == (2, 1, False)


TMP_USER = '''
import os

def _layout(path):
    """Folders bwrap made under /tmp to reach a bind, holding only mount points (ours, and the
    .venv's when the checkout itself lies under the host's /tmp)."""
    if os.path.islink(path) or not os.path.isdir(path):
        return False
    if os.path.ismount(path):
        return True
    entries = os.listdir(path)
    return bool(entries) and all(_layout(os.path.join(path, n)) for n in entries)

def leave_in_tmp():
    os.makedirs("/tmp/mine/deeper", exist_ok=True)
    with open("/tmp/mine/deeper/x", "w") as f:
        f.write("left by the last submission")
    with open("/tmp/top.txt", "w") as f:
        f.write("left too")
    return sorted(os.listdir("/tmp"))

def look():
    return {"tmp": sorted(n for n in os.listdir("/tmp") if not _layout(os.path.join("/tmp", n))),
            "layout": _layout("/tmp/course-data"), "data": sorted(os.listdir("/tmp/course-data")),
            "bound": open("/tmp/course-data/bound/hello.txt").read()}
'''


def test_a_bind_under_tmp_keeps_the_sandbox_warm_and_tmp_clean(tmp_path):
    """A checkout in /tmp puts its .venv (bound into the sandbox) under the sandbox's /tmp: the
    reset between submissions must leave that bind and the folders bwrap made for it, and
    remove everything else, instead of throwing the warm sandbox away."""
    data = tmp_path / "bound"
    data.mkdir()
    (data / "hello.txt").write_text("bound, read-only")
    binds = ((data, "/tmp/course-data/bound"),)
    backend = BwrapBackend(warm=True)
    try:
        folders = []
        for name in ("first", "second"):
            folder = tmp_path / name
            folder.mkdir()
            (folder / "mod.py").write_text(TMP_USER)
            folders.append(folder)
        first = WorkerSession(backend, folders[0], Limits(wall_s=60), binds)
        assert {"course-data", "mine", "top.txt"} <= set(StudentProxy(first).mod.leave_in_tmp())
        zygote = _zygotes(backend)[0]
        first.close()
        second = WorkerSession(backend, folders[1], Limits(wall_s=60), binds)
        seen = StudentProxy(second).mod.look()
        second.close()
        assert _zygotes(backend) == [zygote], "the warm sandbox should survive the reset"
        assert seen == {"tmp": [], "layout": True, "data": ["bound"], "bound": "bound, read-only"}
    finally:
        backend.close()
