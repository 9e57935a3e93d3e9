"""The ``rlimit`` backend: for machines where namespaces are not allowed.

The worker runs as a plain child process with resource limits, its own process group
(killed as a whole), a scrubbed environment, a seccomp filter that also refuses
internet sockets and signals to the grader's own process and group (where the kernel
allows a filter), a cgroup (where the host allows one) and, when the grader runs as
root and the Python installation is readable by others, an unprivileged uid of its
own. It does NOT isolate the file system, UNIX sockets, or the host's process list:
it says so in every report it produces, and SECURITY.md lists what that means.
"""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile
from pathlib import Path

from grader.sandbox import seccomp
from grader.sandbox.base import (
    WORKER_PACKAGE_DIR,
    Backend,
    Launch,
    SandboxSpec,
    base_env,
    python_executable,
    worker_rlimits,
)

__all__ = ["RlimitBackend", "kill_uid"]


class RlimitBackend(Backend):
    name = "rlimit"

    def __init__(self, *, use_seccomp: bool = True, **_: object):
        self._drop = os.geteuid() == 0 and _world_reachable(Path(python_executable()))
        self._worker_root = _worker_link_dir()
        self.use_seccomp = use_seccomp

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return None

    @property
    def drops_privileges(self) -> bool:
        return self._drop

    def launch_command(self, spec: SandboxSpec, argv: list[str]) -> Launch:
        home = spec.home
        if home is None:
            home = spec.workspace.parent / (spec.workspace.name + "-home")
            home.mkdir(exist_ok=True)
            if self._drop and spec.uid is not None:
                os.chown(home, spec.uid, spec.uid)
        env = base_env(spec.limits, home=str(home), pythonpath=str(self._worker_root))
        env["TMPDIR"] = str(home)
        if self._drop and spec.uid is None:
            raise ValueError("the rlimit backend run as root needs spec.uid (spawn picks one)")
        return Launch(
            argv=argv,
            env=env,
            cwd=spec.workspace,
            rlimits=worker_rlimits(spec.limits),
            drop_to=spec.uid if self._drop else None,
            seccomp=(seccomp.worker_filter(allow_inet=False, protect_pids=_grader_pids())
                     if self.use_seccomp else None),
        )


def _grader_pids() -> tuple[int, ...]:
    """The grader's own process and process group, and init: the worker shares their pid space here."""
    return tuple(sorted({1, os.getpid(), os.getpgrp()}))


def kill_uid(uid: int) -> None:
    """SIGKILL every process of ``uid`` (a worker's own uid): what escaped its process group.

    A helper child switches to ``uid`` and calls ``kill(-1, SIGKILL)``, which reaches
    exactly the processes that uid may signal, its own, and not the helper itself.
    """
    if os.geteuid() != 0:
        return

    def become() -> None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        try:
            os.kill(-1, 9)
        except (ProcessLookupError, PermissionError):
            pass

    try:
        subprocess.run(["/bin/true"], preexec_fn=become, check=False, timeout=10,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        pass


def _world_reachable(path: Path) -> bool:
    """Whether another uid can reach and run ``path`` (every ancestor searchable by others)."""
    real = Path(os.path.realpath(path))
    for parent in [*real.parents][::-1]:
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            return False
    return bool(os.stat(real).st_mode & stat.S_IXOTH)


_link_dir: Path | None = None


def _worker_link_dir() -> Path:
    """A folder holding only a ``graderworker`` link to the worker package (our PYTHONPATH)."""
    global _link_dir
    if _link_dir is None or not (_link_dir / "graderworker").exists():
        _link_dir = Path(tempfile.mkdtemp(prefix="grader-worker-"))
        os.chmod(_link_dir, 0o755)
        (_link_dir / "graderworker").symlink_to(WORKER_PACKAGE_DIR, target_is_directory=True)
    return _link_dir
