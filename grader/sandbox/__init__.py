"""Sandboxes: one interface, several backends (``bwrap``, ``rlimit``), chosen by name or automatically.

Public surface:

- ``choose_backend(name=None, forbidden_roots=())``: the named backend, or the best one
  this machine offers (``bwrap`` when it works, else ``rlimit`` with its warnings);
- ``spawn(backend, spec) -> WorkerProcess``: start a confined worker;
- ``run_command(argv, workspace=..., limits=..., ro_binds=...)``: run any command
  confined and collect its exit status and (capped) output, for tests and tools.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox.base import Backend, SandboxSpec, SandboxUnavailable, preexec_for
from grader.sandbox.bwrap import BwrapBackend
from grader.sandbox.limits import Limits
from grader.sandbox.process import OutputCapture, WorkerProcess, describe_exit, spawn
from grader.sandbox.rlimit import RlimitBackend

__all__ = [
    "BACKENDS",
    "Backend",
    "Limits",
    "SandboxSpec",
    "SandboxUnavailable",
    "WorkerProcess",
    "choose_backend",
    "run_command",
    "spawn",
    "CommandResult",
]

BACKENDS: dict[str, type[Backend]] = {"bwrap": BwrapBackend, "rlimit": RlimitBackend}
_probe_cache: dict[str, str | None] = {}


def _works(name: str) -> str | None:
    """None when backend ``name`` can start a process here (checked once per process)."""
    if name not in _probe_cache:
        reason = BACKENDS[name].unavailable_reason()
        if reason is None and name == "bwrap":
            reason = _bwrap_smoke_test()
        _probe_cache[name] = reason
    return _probe_cache[name]


def _bwrap_smoke_test() -> str | None:
    probe = subprocess.run(
        ["bwrap", "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "true"],
        capture_output=True, text=True, timeout=30,
    )
    if probe.returncode != 0:
        return f"bubblewrap cannot create namespaces here: {probe.stderr.strip() or probe.returncode}"
    return None


def choose_backend(name: str | None = None, *, forbidden_roots: tuple[Path, ...] = ()) -> Backend:
    """The backend called ``name``, or the strongest one that works here."""
    if name is not None:
        if name not in BACKENDS:
            raise SandboxUnavailable(f"unknown sandbox {name!r}; choose one of: {', '.join(BACKENDS)}")
        reason = _works(name)
        if reason:
            raise SandboxUnavailable(f"the {name} sandbox cannot run here: {reason}")
        return BACKENDS[name](forbidden_roots=forbidden_roots)
    if _works("bwrap") is None:
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
    """Run ``argv`` confined like a worker (same namespaces, limits, uid) and wait for it."""
    limits = limits or Limits()
    chosen = backend if isinstance(backend, Backend) else choose_backend(backend)
    spec = SandboxSpec(workspace=Path(workspace), limits=limits, ro_binds=tuple(ro_binds))
    chosen.prepare_workspace(spec.workspace)
    launch = chosen.launch_command(spec, list(argv))
    capture = OutputCapture(limits.output_kb * 1024)
    start = time.monotonic()

    proc = subprocess.Popen(launch.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=launch.env, cwd=launch.cwd, start_new_session=True, preexec_fn=preexec_for(launch))
    timed_out = False
    try:
        out, _ = proc.communicate(timeout=limits.wall_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        timed_out = True
    capture.feed(out or b"")
    code = proc.returncode
    description = (f"stopped after {limits.wall_s:g} s of wall time" if timed_out else
                   describe_exit(code, limits.describe_memory(), limits.cpu_s, limits.file_size_mb))
    return CommandResult(code, capture.text(), timed_out, time.monotonic() - start, description)
