"""What every sandbox backend provides: a command line that starts the worker, confined.

A backend turns "run this worker on this workspace under these limits" into a
``Launch`` (argv, environment, rlimits, uid, seccomp filter). ``grader.sandbox.process``
starts it, puts it in a cgroup where the host allows one, and owns the pipes; the
backend decides only how the process is confined.
"""

from __future__ import annotations

import itertools
import os
import resource
import sys
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from grader.sandbox.limits import OPEN_FILES, Limits

if TYPE_CHECKING:
    from grader.sandbox.cgroups import LimitCounters
    from grader.sandbox.zygote import Zygote

__all__ = ["SandboxSpec", "Launch", "Backend", "SandboxUnavailable", "WORKER_PACKAGE_DIR", "preexec_for",
           "allocate_uid", "python_install_dirs", "refuse_forbidden"]

#: the untrusted worker package, mounted alone into the sandbox as ``graderworker``
WORKER_PACKAGE_DIR = Path(__file__).resolve().parent.parent / "worker"


class SandboxUnavailable(RuntimeError):
    """The chosen backend cannot run on this machine (the message says what to install)."""


@dataclass(frozen=True)
class SandboxSpec:
    """What one worker gets: its own copy of the workspace, limits, and read-only extras."""

    workspace: Path
    limits: Limits = field(default_factory=Limits)
    #: (host path, path inside the sandbox) pairs mounted read-only, e.g. a dataset's train split
    ro_binds: tuple[tuple[Path, str], ...] = ()
    #: a writable scratch folder for HOME/TMPDIR where the backend needs one on the host (rlimit)
    home: Path | None = None
    #: the uid the worker runs as when the grader is root (``spawn`` picks a fresh one)
    uid: int | None = None
    #: whether the workspace sits on a size-capped tmpfs (else a watchdog measures it)
    disk_capped: bool = False
    #: modules the worker imports before it answers its first request (``torch`` when the code uses it)
    preload: tuple[str, ...] = ()
    #: pids inside the sandbox's pid namespace that the seccomp filter keeps signals from (a warm worker's)
    protect_pids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Launch:
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    rlimits: dict[int, tuple[int, int]]
    #: switch to this uid/gid before exec (the rlimit backend run as root); None keeps ours
    drop_to: int | None = None
    #: a seccomp program the child installs on itself before exec (backends that cannot pass it on)
    seccomp: bytes | None = None
    #: extra fds the child inherits (bwrap reads its seccomp program from one)
    pass_fds: tuple[int, ...] = ()
    #: fds of ours to close once the child has started
    close_after_start: tuple[int, ...] = ()


def preexec_for(launch: Launch, cgroup_procs: tuple[str, ...] = ()) -> Callable[[], None]:
    """The function run in the child between fork and exec: cgroup, rlimits, uid drop, seccomp.

    It runs in a forked copy of a threaded process, so it sticks to plain syscalls
    prepared here in the parent (no imports, no Python file objects).
    """
    install_seccomp = None
    if launch.seccomp is not None:
        from grader.sandbox.seccomp import install_in_child

        install_seccomp = install_in_child(launch.seccomp)
    procs = [p.encode() for p in cgroup_procs]
    rlimits = list(launch.rlimits.items())
    drop_to = launch.drop_to

    def confine() -> None:
        me = str(os.getpid()).encode()
        for path in procs:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, me)
            finally:
                os.close(fd)
        for which, value in rlimits:
            try:
                resource.setrlimit(which, value)
            except (ValueError, OSError):
                pass
        if drop_to is not None:
            os.setgroups([])
            os.setgid(drop_to)
            os.setuid(drop_to)
        if install_seccomp is not None:
            install_seccomp()

    return confine


def base_env(limits: Limits, *, home: str, pythonpath: str) -> dict[str, str]:
    """The whole environment the worker sees: nothing of the grader's leaks through.

    ``pythonpath`` is the folder holding ``graderworker``; its ``site`` folder goes on the
    path too, so its ``sitecustomize`` installs the compatibility hooks
    (``graderworker.compat``) in every Python process of the sandbox.
    """
    threads = str(limits.threads)
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": f"{pythonpath}{os.pathsep}{pythonpath}/graderworker/site",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{home}/.matplotlib",
        "TORCH_HOME": f"{home}/.torch",
    }


def worker_rlimits(limits: Limits) -> dict[int, tuple[int, int]]:
    """Per-process limits inherited by the worker (a cgroup or the wall clock covers the tree)."""
    mem = limits.memory_mb * 1024 * 1024
    fsize = limits.file_size_mb * 1024 * 1024
    return {
        resource.RLIMIT_AS: (mem, mem),
        resource.RLIMIT_CPU: (limits.cpu_s, limits.cpu_s + 5),
        resource.RLIMIT_FSIZE: (fsize, fsize),
        resource.RLIMIT_NPROC: (limits.processes, limits.processes),
        resource.RLIMIT_NOFILE: (OPEN_FILES, OPEN_FILES),
        resource.RLIMIT_CORE: (0, 0),
        resource.RLIMIT_MEMLOCK: (0, 0),
        resource.RLIMIT_MSGQUEUE: (0, 0),
    }


def worker_argv(python: str, limits: Limits, fd_in: int, fd_out: int, preload: tuple[str, ...] = ()) -> list[str]:
    return [python, "-s", "-B", "-m", "graderworker", "--fd-in", str(fd_in), "--fd-out", str(fd_out),
            "--threads", str(limits.threads), "--preload", ",".join(preload)]


_uids = itertools.count()
_uid_lock = threading.Lock()


def allocate_uid() -> int:
    """A fresh unprivileged uid for one worker, so per-uid limits and sweeps touch only it.

    ``200000 + 16 * (pid mod 50000) + n``: workers of one grading process cycle through 16
    uids; two grading processes collide only if their pids agree modulo 50 000.
    """
    with _uid_lock:
        n = next(_uids) % 16
    return 200_000 + 16 * (os.getpid() % 50_000) + n


def python_executable() -> str:
    return sys.executable


def chown_tree(root: Path, uid: int) -> None:
    """Give ``root`` and everything under it to ``uid``, never following a link."""
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.lchown(os.path.join(folder, name), uid, uid)
    os.lchown(root, uid, uid)


class Backend(ABC):
    """One way of confining the worker. Subclasses say what they protect and what they do not."""

    name: str = "?"
    #: processes of the backend's own inside the worker's cgroup (bubblewrap keeps two)
    helper_processes: int = 0

    @classmethod
    @abstractmethod
    def unavailable_reason(cls) -> str | None:
        """None when the backend works here; otherwise why not and what to do."""

    @abstractmethod
    def launch_command(self, spec: SandboxSpec, argv: list[str]) -> Launch:
        """How to run ``argv`` confined for ``spec`` (``argv[0]`` is the Python interpreter or a tool)."""

    @property
    def drops_privileges(self) -> bool:
        """Whether the worker runs as a uid of its own (``spec.uid``)."""
        return False

    def launch(self, spec: SandboxSpec, fd_in: int, fd_out: int) -> Launch:
        """The command that starts the worker for ``spec`` with the channel on ``fd_in``/``fd_out``."""
        return self.launch_command(spec, worker_argv(python_executable(), spec.limits, fd_in, fd_out,
                                                     spec.preload))

    def warnings(self) -> tuple[str, ...]:
        """What this backend cannot protect on this machine, in words for the report."""
        from grader.sandbox.protections import host_warnings

        return host_warnings(self)

    def prepare_workspace(self, spec: SandboxSpec) -> None:
        """Give the worker's uid ownership of its workspace copy (a no-op when we keep our uid)."""
        if spec.uid is None or not self.drops_privileges:
            return
        chown_tree(spec.workspace, spec.uid)
        if spec.home is not None and spec.home.exists():
            chown_tree(spec.home, spec.uid)

    #: whether ``counters`` counts the CPU time of the worker's whole tree (a backend with a cgroup of its own)
    counts_cpu: bool = False

    def counters(self, launch: "Launch") -> "LimitCounters":
        """What the backend's own cgroup counted for this launch (docker: the container's); zeros by default."""
        from grader.sandbox.cgroups import LimitCounters

        return LimitCounters()

    def release(self, launch: "Launch") -> None:
        """After the process is gone: remove what the backend made for it outside our cgroup (a container)."""

    def warm_worker(self, limits: Limits, ro_binds: tuple[tuple[Path, str], ...]) -> "Zygote | None":
        """A warm sandbox to fork this worker from (``grader.sandbox.zygote``), or None to start a fresh one."""
        return None

    def close(self) -> None:
        """Stop what the backend keeps between workers (warm sandboxes); it still works afterwards."""


def python_install_dirs(forbidden_roots: tuple[Path, ...] | list[Path], into: str) -> list[Path]:
    """The folders of the Python installation the worker runs on, outside ``/usr``: prefixes and
    site-packages, the fewest that cover them. Raises if one of them holds a forbidden root
    (the project, with its rubrics and hidden tests), naming ``into`` (the sandbox, the container)."""
    candidates = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    candidates.add(Path(os.path.realpath(sys.executable)).parent.parent)
    candidates.update(Path(p) for p in sys.path if p and ("site-packages" in p or "dist-packages" in p))
    dirs = sorted({p.resolve() for p in candidates if p.is_dir()}, key=lambda p: len(p.parts))
    chosen: list[Path] = []
    for path in dirs:
        if path == Path("/usr") or Path("/usr") in path.parents:
            continue
        if any(parent == path or parent in path.parents for parent in chosen):
            continue
        refuse_forbidden(path, forbidden_roots, into)
        chosen.append(path)
    return chosen


def refuse_forbidden(path: Path, forbidden_roots: tuple[Path, ...] | list[Path], into: str) -> None:
    """Raise when binding ``path`` would show a forbidden root (rubrics, hidden tests) to the worker."""
    path = path.resolve()
    for root in forbidden_roots:
        if root == path or path in root.parents:
            raise RuntimeError(
                f"refusing to mount {path} into {into}: it contains {root} (rubrics, hidden tests). "
                "Install the grader's Python environment outside the project folder."
            )
