"""What every sandbox backend provides: a command line that starts the worker, confined.

A backend turns "run this worker on this workspace under these limits" into a
``Launch`` (argv, environment, rlimits, uid). ``grader.sandbox.process`` starts it and
owns the pipes; the backend decides only how the process is confined.
"""

from __future__ import annotations

import os
import resource
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox.limits import Limits

__all__ = ["SandboxSpec", "Launch", "Backend", "SandboxUnavailable", "WORKER_PACKAGE_DIR", "preexec_for"]

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


@dataclass(frozen=True)
class Launch:
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    rlimits: dict[int, tuple[int, int]]
    #: switch to this uid/gid before exec (the rlimit backend run as root); None keeps ours
    drop_to: int | None = None


def preexec_for(launch: "Launch"):  # type: ignore[no-untyped-def]
    """The function run in the child between fork and exec: rlimits, then the uid drop."""

    def confine() -> None:
        for which, value in launch.rlimits.items():
            try:
                resource.setrlimit(which, value)
            except (ValueError, OSError):
                pass
        if launch.drop_to is not None:
            os.setgroups([])
            os.setgid(launch.drop_to)
            os.setuid(launch.drop_to)

    return confine


def base_env(limits: Limits, *, home: str, pythonpath: str) -> dict[str, str]:
    """The whole environment the worker sees: nothing of the grader's leaks through."""
    threads = str(limits.threads)
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": pythonpath,
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
    """Per-process limits inherited by the worker (the wall clock covers the whole tree)."""
    mem = limits.memory_mb * 1024 * 1024
    fsize = limits.file_size_mb * 1024 * 1024
    return {
        resource.RLIMIT_AS: (mem, mem),
        resource.RLIMIT_CPU: (limits.cpu_s, limits.cpu_s + 5),
        resource.RLIMIT_FSIZE: (fsize, fsize),
        resource.RLIMIT_NPROC: (limits.processes, limits.processes),
        resource.RLIMIT_NOFILE: (256, 256),
        resource.RLIMIT_CORE: (0, 0),
    }


def worker_argv(python: str, limits: Limits, fd_in: int, fd_out: int) -> list[str]:
    return [python, "-s", "-B", "-m", "graderworker", "--fd-in", str(fd_in), "--fd-out", str(fd_out),
            "--threads", str(limits.threads)]


def sandbox_uid() -> int:
    """A uid of its own for each grading process, so per-uid limits (processes) are per worker."""
    return 200_000 + os.getpid() % 100_000


def python_executable() -> str:
    return sys.executable


class Backend(ABC):
    """One way of confining the worker. Subclasses say what they protect and what they do not."""

    name: str = "?"

    @classmethod
    @abstractmethod
    def unavailable_reason(cls) -> str | None:
        """None when the backend works here; otherwise why not and what to do."""

    @abstractmethod
    def launch_command(self, spec: SandboxSpec, argv: list[str]) -> Launch:
        """How to run ``argv`` confined for ``spec`` (``argv[0]`` is the Python interpreter or a tool)."""

    def launch(self, spec: SandboxSpec, fd_in: int, fd_out: int) -> Launch:
        """The command that starts the worker for ``spec`` with the channel on ``fd_in``/``fd_out``."""
        return self.launch_command(spec, worker_argv(python_executable(), spec.limits, fd_in, fd_out))

    def warnings(self) -> tuple[str, ...]:
        """What this backend cannot protect, in words for the report."""
        return ()

    def prepare_workspace(self, workspace: Path) -> None:
        """Give the worker's uid ownership of its workspace copy (a no-op when we keep our uid)."""
