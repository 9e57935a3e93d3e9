"""Warm workers across submissions: what submission A leaves must not reach submission B.

One warm ``BwrapBackend`` grades every submission of this module, so each observer B
is forked from the same zygote right after a hostile A. B (the reference solution plus
an observer run at import) looks for A's processes, files, IPC objects and threads and
fails item 1 with what it saw; it must score exactly what it scores on a fresh backend.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from grader.pipeline import run_pipeline
from grader.results.models import SubmissionResult
from grader.rubric import load_rubric
from grader.sandbox import backend_problem
from grader.sandbox.bwrap import BwrapBackend
from grader.sandbox.zygote import warm_unavailable_reason
from tests.redteam.harness import PROJECT, summarize

MARKER = f"warm-leftover-{uuid.uuid4().hex[:8]}"
REFERENCE = (PROJECT / "reference" / "redteam" / "calc.py").read_text().replace("REDTEAM-REFERENCE-MARKER", "ref")

pytestmark = pytest.mark.skipif(
    bool(backend_problem("bwrap") or warm_unavailable_reason()),
    reason=f"warm workers unavailable here: {backend_problem('bwrap') or warm_unavailable_reason()}")

#: runs at B's import: everything of A that B can see, as text (empty: nothing)
OBSERVER = f'''
import os as _os, time as _time

def _layout(path):
    # the sandbox's own layout, the same in every sandbox: folders bwrap made under /tmp to reach
    # a bind (a checkout under the host's /tmp holds the .venv), holding only mount points
    try:
        if _os.path.islink(path) or not _os.path.isdir(path):
            return False
        if _os.path.ismount(path):
            return True
        entries = _os.listdir(path)
    except OSError:  # a folder A locked: not the layout
        return False
    return bool(entries) and all(_layout(_os.path.join(path, n)) for n in entries)

def _seen():
    found = []
    for pid in _os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{{pid}}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if b"{MARKER}" in cmd or int(pid) not in (1, 2, _os.getpid()):
            found.append(f"process {{pid}}: {{cmd[:80]!r}}")
    for place in ("/tmp", "/dev/shm"):
        try:
            names = _os.listdir(place)
        except OSError:
            names = []
        found += [f"{{place}}/{{n}}" for n in names if not _layout(_os.path.join(place, n))]
    for dirpath, dirs, files in _os.walk("."):
        found += [f"workspace {{dirpath}}/{{n}}" for n in dirs + files if n.startswith("a-")]
    for kind in ("shm", "sem", "msg"):
        try:
            with open(f"/proc/sysvipc/{{kind}}") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            rows = []
        found += [f"sysv {{kind}}: {{r.split()[:2]}}" for r in rows]
    return found

SEEN = _seen()
_time.sleep(0.3)  # a thread of A that survived would write here by now
SEEN += [f"late /tmp/{{n}}" for n in _os.listdir("/tmp") if not _layout(_os.path.join("/tmp", n))]
'''

OBSERVED_ADD = '''
def add(a, b):
    assert not SEEN, "SAW " + "; ".join(SEEN)
    return a + b
'''

#: attacks run at A's import (inside its worker); each prints what it got
ATTACKS: dict[str, str] = {
    "daemons": f'''
import os, signal, sys, time
for ignore_term in (False, True):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            if ignore_term:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
            os.execv(sys.executable, ["{MARKER}", "-c", "import time\\nwhile 1: time.sleep(0.2)"])
        os._exit(0)
    os.wait()
time.sleep(0.2)
''',
    "files": '''
import os
for base in ("/tmp", "."):
    with open(f"{base}/a-left.txt", "w") as f:
        f.write("from A")
    os.makedirs(f"{base}/a-locked/inner", exist_ok=True)
    with open(f"{base}/a-locked/inner/x", "w") as f:
        f.write("x")
    os.chmod(f"{base}/a-locked/inner", 0)
    os.chmod(f"{base}/a-locked", 0)
    os.symlink("/", f"{base}/a-root")
    os.symlink("/proc/2/root", f"{base}/a-zyg")
    os.mkfifo(f"{base}/a-fifo")
for place in ("/dev/shm", "/dev"):
    try:
        os.makedirs(place, exist_ok=True)
        open(f"{place}/a-shm", "w").write("x")
        print("LEAKED: wrote", place)
    except OSError:
        pass
''',
    "sysv-ipc": '''
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
IPC_CREAT = 0o1000
for key in (0x5EED, 0):  # a named one and IPC_PRIVATE
    assert libc.shmget(key, 4096, IPC_CREAT | 0o666) >= 0
    assert libc.semget(key, 1, IPC_CREAT | 0o666) >= 0
    assert libc.msgget(key, IPC_CREAT | 0o666) >= 0
''',
    "signals": '''
import ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
got = []
for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGKILL, signal.SIGSEGV):
    for target in (2, 1, -2):
        try:
            os.kill(target, sig)
            got.append(f"kill({target},{sig})")
        except OSError:
            pass
    for tid in (2, 1):
        if libc.syscall(234, tid, tid, int(sig)) == 0:  # tgkill
            got.append(f"tgkill({tid},{sig})")
        if libc.syscall(200, tid, int(sig)) == 0:  # tkill
            got.append(f"tkill({tid},{sig})")
    for pgid in (2, 1):
        try:
            os.killpg(pgid, sig)
            got.append(f"killpg({pgid},{sig})")
        except OSError:
            pass
if got:
    print("LEAKED: signalled", got)
''',
    "zygote-proc": '''
import os
got = []
for path in ("/proc/2/mem", "/proc/2/environ", "/proc/2/cmdline", "/proc/2/maps", "/proc/2/fd/0",
             "/proc/1/environ", "/proc/2/root/tmp"):
    try:
        with open(path, "rb") as f:
            if path.endswith("mem"):
                f.seek(0x400000)
            data = f.read(64)
        if path.endswith(("mem", "environ", "maps")) or "/fd/" in path:
            got.append(path)
    except OSError:
        pass
for path in ("/proc/2/fd", "/proc/2/map_files", "/proc/2/task"):
    try:
        os.listdir(path)
        if not path.endswith("task"):
            got.append(path)
    except OSError:
        pass
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
if libc.ptrace(16, 2, 0, 0) == 0:  # PTRACE_ATTACH
    got.append("ptrace")
if libc.syscall(310, 2, 0, 1, 0, 1, 0) >= 0:  # process_vm_readv (bad iovecs: EFAULT if allowed)
    got.append("process_vm_readv")
if ctypes.get_errno() not in (1, 3, 13, 38):  # EPERM, ESRCH, EACCES, ENOSYS: refused
    got.append(f"process_vm_readv errno {ctypes.get_errno()}")
if got:
    print("LEAKED:", got)
''',
    "thread": '''
import os, threading, time
def _writer():
    n = 0
    while True:
        n += 1
        try:
            with open(f"/tmp/a-thread-{n % 5}", "w") as f:
                f.write("alive")
        except OSError:
            pass
        time.sleep(0.05)
threading.Thread(target=_writer, daemon=False).start()
''',
    "disk": '''
import os
for base in ("/tmp", "."):
    try:
        with open(f"{base}/a-fill", "wb") as f:
            while True:
                f.write(b"x" * (1 << 20))
    except OSError:
        pass
    try:
        for i in range(100000):
            open(f"{base}/a-n{i}", "w").close()
    except OSError:
        pass
''',
    "memory": '''
hog = []
try:
    while True:
        hog.append(bytearray(64 << 20))
except MemoryError:
    pass
''',
    "fork-bomb": f'''
import os, sys
for _ in range(64):
    try:
        if os.fork() == 0:
            try:
                os.setsid()
            except OSError:
                pass
            os.execv(sys.executable, ["{MARKER}", "-c",
                     "import os\\nwhile 1:\\n try: os.fork()\\n except OSError: pass"])
    except OSError:
        break
''',
    "kill-all": '''
import os, signal
os.kill(-1, signal.SIGKILL)  # every process of the sandbox's uid that it may signal, itself included
''',
}


def _submission(dest: Path, code: str, *, observe: bool) -> Path:
    dest.mkdir(parents=True)
    text = REFERENCE
    if observe:
        text = OBSERVER + text.replace("def add(a, b):", "def _reference_add(a, b):") + OBSERVED_ADD
    (dest / "calc.py").write_text(code + "\n" + text)
    return dest


def _grade(submission: Path, backend: BwrapBackend) -> SubmissionResult:
    rubric = load_rubric(PROJECT / "rubrics" / "redteam" / "rubric.yaml")
    return run_pipeline(submission, rubric=rubric, tests_dir=PROJECT / "rubrics" / "redteam" / "tests",
                        backend=backend)


def _scores(result: SubmissionResult) -> dict[str, tuple[float, str]]:
    return {item.id: (item.points, item.status.value) for item in result.items}


def _host_marker_processes() -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if MARKER.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(int(pid))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def warm() -> Iterator[BwrapBackend]:
    backend = BwrapBackend(forbidden_roots=(PROJECT,), warm=True)
    try:
        yield backend
    finally:
        backend.close()
    assert not _host_marker_processes()
    import tempfile

    assert not list(Path(tempfile.gettempdir()).glob(f"grader-zygote-{os.getpid()}-*")), "zygote workspace left"
    assert not [c for c in Path("/sys/fs/cgroup").glob(f"*/grader-{os.getpid()}-*") if (c / "cgroup.procs").is_file()
                and (c / "cgroup.procs").read_text().strip()], "a cgroup of ours still has processes"


@pytest.fixture(scope="module")
def fresh_scores(tmp_path_factory) -> dict[str, tuple[float, str]]:  # type: ignore[no-untyped-def]
    """What the observer scores on a fresh (cold) bwrap backend: B must score exactly this warm."""
    backend = BwrapBackend(forbidden_roots=(PROJECT,))
    result = _grade(_submission(tmp_path_factory.mktemp("fresh") / "b", "", observe=True), backend)
    scores = _scores(result)
    assert scores["1"] == (2, "passed") and scores["2"] == (2, "passed"), summarize(result, set())
    return scores


def test_a_benign_submission_reuses_the_zygote(warm, fresh_scores, tmp_path):  # type: ignore[no-untyped-def]
    first = _grade(_submission(tmp_path / "a", "", observe=True), warm)
    assert _scores(first) == fresh_scores, summarize(first, set())
    zygotes = [z for z in warm._zygotes if not z.closed]
    assert len(zygotes) == 1, warm.warm_problem
    zygote = zygotes[0]
    second = _grade(_submission(tmp_path / "b", 'import os\nassert os.getppid() == 2, "not forked by the zygote"\n',
                                observe=True), warm)
    assert _scores(second) == fresh_scores, summarize(second, set())
    assert [z for z in warm._zygotes if not z.closed] == [zygote] and zygote.problem is None


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_submission_b_sees_nothing_of_a(attack, warm, fresh_scores, tmp_path):  # type: ignore[no-untyped-def]
    hostile = _grade(_submission(tmp_path / "a", ATTACKS[attack], observe=False), warm)
    shown = summarize(hostile, set())
    assert "LEAKED:" not in shown, shown
    assert not _host_marker_processes(), f"A's processes outlived it on the host\n{shown}"
    reused = [z for z in warm._zygotes if not z.closed]
    print(f"after {attack}: zygote kept={bool(reused)} problem={warm.warm_problem}")
    observer = _grade(_submission(tmp_path / "b", "", observe=True), warm)
    assert _scores(observer) == fresh_scores, f"B after {attack}:\n{summarize(observer, set())}\nA:\n{shown}"
    if attack in ("daemons", "files", "sysv-ipc", "signals", "zygote-proc", "thread"):
        expected = dict(fresh_scores)
        if "ctypes" in ATTACKS[attack]:  # item 3's rule forbids ctypes, which these attacks use
            expected["3"] = (0.0, "failed")
        assert hostile.outcome.value == "graded" and _scores(hostile) == expected, shown
        assert reused and all(z.problem is None for z in reused), f"{attack} cost the warm sandbox: {reused}"


def test_the_observer_sees_what_a_leaves_in_its_own_worker(warm, tmp_path):  # type: ignore[no-untyped-def]
    """Negative control: run in A's own worker, the observer sees A's daemon, files, IPC and thread."""
    code = "\n".join(ATTACKS[name] for name in ("daemons", "files", "sysv-ipc", "thread"))
    result = _grade(_submission(tmp_path / "ab", code, observe=True), warm)
    text = "\n".join(next(i for i in result.items if i.id == "1").messages)
    for seen in (MARKER, "/tmp/a-left.txt", "workspace ./a-locked", "sysv shm", "sysv sem", "sysv msg", "a-thread"):
        assert seen in text, f"{seen!r} not seen:\n{summarize(result, set())}"
    assert not _host_marker_processes()
