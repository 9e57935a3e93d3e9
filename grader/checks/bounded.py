"""Run trusted-side work on student data under a time and memory bound of its own.

Algebra on a student's formula (sympy's ``expand``, ``simplify``, ``evalf``) can take
minutes or GiB on a small input. It runs here in a helper process started once per
grading process (``spawn``: no threads or locks inherited), with ``RLIMIT_AS`` set; a
call that runs past its time is killed with its process, which is started again for the
next call. Only our own functions run there, named by module and attribute, and what
comes back is what those functions return (plain values built by our code).

``BoundExceeded`` says which bound was hit; callers turn it into the student's message.

``memory_cap`` bounds the grading process itself while a submission's hidden tests run:
its address space may grow by ``TRUSTED_MEMORY_MB`` at most, so trusted-side work that a
submission blows up ends in a ``MemoryError`` for that submission's test, not in the
kernel's OOM killer taking the batch worker and its other students with it.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import multiprocessing
import os
import threading
from multiprocessing.connection import Connection
from typing import Any, Iterator

__all__ = ["BoundExceeded", "run_bounded", "memory_cap", "DEFAULT_TIMEOUT_S", "DEFAULT_MEMORY_MB",
           "TRUSTED_MEMORY_MB"]

DEFAULT_TIMEOUT_S = 20.0
#: address space the helper may add to what it needs at start (sympy and numpy loaded)
DEFAULT_MEMORY_MB = 1024
#: address space the grading process may add while one submission's hidden tests run
TRUSTED_MEMORY_MB = 4096


class BoundExceeded(Exception):
    """The work ran past its time or memory; ``kind`` is ``"time"`` or ``"memory"``."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _address_space() -> int:
    """This process's address space now, in bytes (``/proc/self/statm``'s first field)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


@contextlib.contextmanager
def memory_cap(extra_mb: int = TRUSTED_MEMORY_MB) -> Iterator[None]:
    """Let this process's address space grow by at most ``extra_mb`` inside the block (soft limit)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + extra_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _die_with_parent() -> None:
    """Ask the kernel to kill this helper when the grading process dies (a killed batch worker)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the closed pipe still ends the loop
        pass
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(0)


def _serve(conn: Connection, memory_mb: int, preload: tuple[str, ...]) -> None:
    """The helper's loop: import the modules, cap the address space, answer calls until the pipe closes."""
    import resource

    _die_with_parent()
    for name in preload:
        importlib.import_module(name)
    limit = _address_space() + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send(("ready", None))
    while True:
        try:
            module, name, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:
            function = getattr(importlib.import_module(module), name)
            conn.send(("ok", function(*args, **kwargs)))
        except MemoryError:
            conn.send(("memory", None))
        except RecursionError:
            conn.send(("error", RecursionError("nested too deeply")))
        except Exception as exc:  # noqa: BLE001 - sent back and raised in the caller
            conn.send(("error", exc))


class _Helper:
    def __init__(self, memory_mb: int, preload: tuple[str, ...]):
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, memory_mb, preload), daemon=False,
                                       name="grader-bounded")
        self.process.start()
        child.close()
        if not self.conn.poll(120) or self.conn.recv()[0] != "ready":
            self.kill()
            raise RuntimeError("the grader's bounded helper process did not start")

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


_lock = threading.Lock()
_helpers: dict[tuple[int, tuple[str, ...]], _Helper] = {}


def _close_all() -> None:
    for helper in list(_helpers.values()):
        helper.kill()
    _helpers.clear()


atexit.register(_close_all)


def run_bounded(function: Any, *args: Any, timeout_s: float = DEFAULT_TIMEOUT_S,
                memory_mb: int = DEFAULT_MEMORY_MB, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` in the helper process; raises ``BoundExceeded`` past a bound.

    ``function`` must be a module-level function of ours (it is looked up by name there).
    """
    module, name = function.__module__, function.__qualname__
    key = (memory_mb, (module,))
    with _lock:  # one call at a time per helper: a grading process checks one item at a time
        helper = _helpers.get(key)
        if helper is None or not helper.alive():
            helper = _helpers[key] = _Helper(memory_mb, (module,))
        try:
            helper.conn.send((module, name, args, kwargs))
            ready = helper.conn.poll(timeout_s)
            status, value = helper.conn.recv() if ready else ("time", None)
        except (EOFError, OSError):
            status, value = "memory", None  # the helper died mid-call: the kernel killed it for its memory
        if status in ("time", "memory"):
            helper.kill()
            _helpers.pop(key, None)
            raise BoundExceeded(status, f"stopped after {timeout_s:g} s" if status == "time"
                                else f"needed more than {memory_mb} MiB")
    if status == "error":
        raise value
    return value
