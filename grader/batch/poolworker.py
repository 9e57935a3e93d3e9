"""One worker of the local pool: ``python -m grader.batch.poolworker --fd N --parent PID``.

Loop: read a task (JSON bytes) from the socket, call the grade function, answer (JSON
bytes); an empty message or the socket's end stops it. See :mod:`grader.batch.executors`
for why it starts its own session, asks for SIGTERM when the parent dies, and turns SIGTERM
into ``KeyboardInterrupt``.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import json
import os
import signal
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Callable

#: after SIGTERM, the engine has this long to close its sandboxes before the worker kills them itself
GRACE_S = 10.0
_PR_SET_PDEATHSIG = 1
_terminating = threading.Event()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--function", required=True)
    args = parser.parse_args()
    _set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != args.parent:  # the parent died before the request took effect
        os._exit(0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    conn = Connection(args.fd)
    worker_module = None
    try:
        module, _, name = args.function.partition(":")
        worker_module = importlib.import_module(module)
        grade: Callable[[dict[str, Any]], dict[str, Any]] = getattr(worker_module, name)
        while not _terminating.is_set():
            try:
                data = conn.recv_bytes()
            except (EOFError, OSError):
                break
            if not data:
                break
            answer = grade(json.loads(data))
            if _terminating.is_set():
                break
            try:
                conn.send_bytes(json.dumps(answer).encode())
            except OSError:
                break
    except KeyboardInterrupt:
        pass
    finally:
        _close(worker_module)
        _kill_children()
    os._exit(0)


def _close(module: Any) -> None:
    """Let the task module stop what it keeps between tasks (warm sandboxes: their mounts and cgroups)."""
    close = getattr(module, "close", None)
    if callable(close):
        try:
            close()
        except BaseException:  # noqa: BLE001 - SIGTERM's KeyboardInterrupt included: exiting anyway,
            pass               # and _kill_children must still run after it


def _on_sigterm(signum: int, frame: object) -> None:
    if _terminating.is_set():
        return
    _terminating.set()
    threading.Thread(target=_last_resort, daemon=True).start()
    raise KeyboardInterrupt


def _last_resort() -> None:
    time.sleep(GRACE_S)
    _kill_children()
    os._exit(1)


def _set_parent_death_signal(sig: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the socket's end still stops the loop after the current task


def _kill_children() -> None:
    """SIGKILL the process group of every direct child (each sandbox runs in its own session),
    and everything in this worker's cgroups, thawed: the engine may have been stopped between
    freezing a sandbox's cgroup and thawing it, and a frozen process ignores even SIGKILL."""
    try:
        from grader.sandbox.cgroups import release_cgroups_of

        release_cgroups_of(os.getpid())
    except Exception:  # noqa: BLE001 - a last resort: the kills below still go out
        pass
    for pid in children_of(os.getpid()):
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def children_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_line = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat_line.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and fields[1] == str(pid):
            children.append(int(entry.name))
    return children


if __name__ == "__main__":
    main()
