"""Sandboxes: one interface, several backends (``bwrap``, ``rlimit``, ``docker``), chosen by name or automatically.

Public surface:

- ``choose_backend(name=None, forbidden_roots=())``: the named backend, or the best one
  this machine offers (``bwrap`` when it works, else ``rlimit`` with its warnings);
  ``docker`` (a container per worker) is used only when named;
- ``spawn(backend, spec) -> WorkerProcess``: start a confined worker;
- ``run_command(argv, workspace=..., limits=..., ro_binds=...)``: run any command
  confined and collect its exit status and (capped) output, for tests and tools;
- ``WorkerWorkspace``: a worker's own workspace copy on a size-capped tmpfs;
- ``read_worker_file`` / ``remove_tree``: read or delete what a worker wrote without
  following links (``grader.sandbox.files``);
- ``host_protections(backend)``: what this machine gives each backend (``grader doctor``).

What each layer stops is described in SECURITY.md at the repository root.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox.base import Backend, SandboxSpec, SandboxUnavailable, preexec_for
from grader.sandbox.bwrap import BwrapBackend
from grader.sandbox.docker import DockerBackend
from grader.sandbox.files import UnsafeWorkerFile, read_worker_file, remove_tree
from grader.sandbox.limits import Limits
from grader.sandbox.process import Confinement, OutputCapture, WorkerProcess, describe_exit, spawn
from grader.sandbox.rlimit import RlimitBackend
from grader.sandbox.workspace import WorkerWorkspace

__all__ = [
    "BACKENDS",
    "Backend",
    "Limits",
    "SandboxSpec",
    "SandboxUnavailable",
    "WorkerProcess",
    "WorkerWorkspace",
    "UnsafeWorkerFile",
    "choose_backend",
    "backend_problem",
    "read_worker_file",
    "remove_tree",
    "run_command",
    "spawn",
    "CommandResult",
    "preexec_for",
]

BACKENDS: dict[str, type[Backend]] = {"bwrap": BwrapBackend, "rlimit": RlimitBackend, "docker": DockerBackend}
_probe_cache: dict[str, str | None] = {}


def backend_problem(name: str) -> str | None:
    """None when backend ``name`` can start a process here (checked once per process)."""
    if name not in _probe_cache:
        reason = BACKENDS[name].unavailable_reason()
        if reason is None and name == "bwrap":
            reason = _bwrap_smoke_test()
        _probe_cache[name] = reason
    return _probe_cache[name]


_works = backend_problem  # the old private name


def _bwrap_smoke_test() -> str | None:
    """Start ``true`` with the options the backend uses (tmpfs size, seccomp) and see it work."""
    from grader.sandbox import seccomp

    args = ["bwrap", "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--perms", "1777", "--size", str(1 << 20), "--tmpfs", "/tmp"]
    fds: tuple[int, ...] = ()
    program = seccomp.worker_filter(allow_inet=True)
    if program is not None:
        fd = seccomp.filter_fd(program)
        fds = (fd,)
        args += ["--seccomp", str(fd)]
    try:
        probe = subprocess.run(args + ["true"], capture_output=True, text=True, timeout=30, pass_fds=fds)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bubblewrap could not start: {exc}"
    finally:
        for fd in fds:
            os.close(fd)
    if probe.returncode != 0:
        return f"bubblewrap cannot create namespaces here: {probe.stderr.strip() or probe.returncode}"
    return None


def choose_backend(name: str | None = None, *, forbidden_roots: tuple[Path, ...] = ()) -> Backend:
    """The backend called ``name``, or the strongest one that works here."""
    if name is not None:
        if name not in BACKENDS:
            raise SandboxUnavailable(f"unknown sandbox {name!r}; choose one of: {', '.join(BACKENDS)}")
        reason = backend_problem(name)
        if reason:
            raise SandboxUnavailable(f"the {name} sandbox cannot run here: {reason}")
        return BACKENDS[name](forbidden_roots=forbidden_roots)
    if backend_problem("bwrap") is None:
        return BwrapBackend(forbidden_roots=forbidden_roots)
    return RlimitBackend()


@dataclass(frozen=True)
class CommandResult:
    returncode: int | None
    output: str
    timed_out: bool
    duration_s: float
    description: str


def run_command(
    argv: list[str],
    *,
    workspace: Path,
    limits: Limits | None = None,
    ro_binds: tuple[tuple[Path, str], ...] | list[tuple[Path, str]] = (),
    backend: str | Backend | None = None,
) -> CommandResult:
    """Run ``argv`` confined like a worker (same namespaces, limits, uid, seccomp, cgroup) and wait for it."""
    limits = limits or Limits()
    chosen = backend if isinstance(backend, Backend) else choose_backend(backend)
    spec = SandboxSpec(workspace=Path(workspace), limits=limits, ro_binds=tuple(ro_binds))
    confinement = Confinement(chosen, spec, list(argv))
    capture = OutputCapture(limits.output_kb * 1024)
    start = time.monotonic()
    timed_out = False
    try:
        proc = confinement.start(stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            out, _ = proc.communicate(timeout=limits.wall_s)
        except subprocess.TimeoutExpired:
            confinement.kill_tree()
            out, _ = proc.communicate()
            timed_out = True
        counters = confinement.counters()
    finally:
        confinement.cleanup()
    capture.feed(out or b"")
    code = proc.returncode
    if timed_out:
        description = f"stopped after {limits.wall_s:g} s of wall time"
    elif counters.oom_kills:
        description = f"ran out of the {limits.describe_memory()} memory limit"
    else:
        description = describe_exit(code, limits.describe_memory(), limits.cpu_s, limits.file_size_mb)
    return CommandResult(code, capture.text(), timed_out, time.monotonic() - start, description)
