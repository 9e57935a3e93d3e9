"""The warm worker ("zygote"): imports torch once, then forks one worker per submission.

Started inside the sandbox like a worker (``python -P -m graderworker.zygote --control FD``)
with an empty workspace, it imports numpy, torch (torchvision when installed) and the worker package, makes itself
non-dumpable (no process of its uid may read its memory or its ``/proc`` entries), and
waits on its control socket (``SOCK_SEQPACKET``, one JSON message a packet). Commands:

``fork``   with four fds (SCM_RIGHTS): request pipe, reply pipe, stdout, stderr. Forks a
           child that becomes a worker on them (its own session, its CPU limit, an address
           space limit of ``memory_mb`` over what the zygote already maps, the control socket
           closed) and answers ``{"type": "forked", "pid"}``; when that
           child exits, ``{"type": "exited", "status"}`` (a ``subprocess`` return code).
``reset``  after the trusted side killed every leftover process and emptied the
           workspace and ``/tmp``: remove the System V IPC objects the last submission
           made, check ``/tmp`` is empty, answer ``{"type": "clean", "ok", "detail"}``.

It never reads a file the student could have written after start-up, never imports
anything late, and holds nothing secret: the trusted side writes each submission into
the workspace itself. Whatever goes wrong here, the trusted side discards the zygote and
starts a fresh one (see ``grader.sandbox.zygote``).
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import json
import os
import resource
import shutil
import signal
import socket
import sys

from . import probes
from .server import _importable, install_import_hook, serve_channel

_PR_SET_DUMPABLE = 4
_PR_SET_PDEATHSIG = 1
_IPC_RMID = 0
_WORKSPACE = "/workspace"
_MAX_PACKET = 1 << 16


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="graderworker.zygote")
    parser.add_argument("--control", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd(), _WORKSPACE)]
    install_import_hook(args.threads)
    for name in ("numpy", "torch"):
        _importable(name)
    _warm_optional("torchvision")
    probes.modules()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    control = socket.socket(fileno=args.control)
    control.set_inheritable(False)
    _send(control, {"type": "ready", "pid": os.getpid()})
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, _MAX_PACKET, 8)
        except OSError:
            return
        if not data:
            return
        command = json.loads(data)
        if command.get("type") == "fork" and len(fds) == 4:
            _fork(control, libc, command, fds)
        elif command.get("type") == "reset":
            for fd in fds:
                os.close(fd)
            _send(control, _reset(libc))
        else:
            for fd in fds:
                os.close(fd)
            _send(control, {"type": "refused", "detail": f"unknown command {command.get('type')!r}"})


def _send(control: socket.socket, message: dict) -> None:
    control.send(json.dumps(message).encode())


def _fork(control: socket.socket, libc: ctypes.CDLL, command: dict, fds: list[int]) -> None:
    req_r, rep_w, out_w, err_w = fds
    pid = os.fork()
    if pid == 0:  # the child: becomes one submission's worker and never returns
        status = 70
        try:
            control.close()
            os.setsid()
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
            libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)  # as a freshly started worker is
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            os.close(out_w)
            os.close(err_w)
            cpu_s = int(command["cpu_s"])
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))
            # the address space the zygote's imports hold is not the student's: they get memory_mb on top,
            # as a fresh worker does over its own (small) start
            address_space = int(command["memory_mb"]) * 1024 * 1024 + _address_space()
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
            os.chdir(_WORKSPACE)
            install_import_hook(int(command.get("threads", 1)))
            torch = sys.modules.get("torch")
            if torch is not None:
                torch.set_num_threads(int(command.get("threads", 1)))
            serve_channel(req_r, rep_w, _WORKSPACE)
            status = 0
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(status)
    for fd in fds:
        os.close(fd)
    _send(control, {"type": "forked", "pid": pid})
    while True:
        try:
            _, wait_status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    code = -os.WTERMSIG(wait_status) if os.WIFSIGNALED(wait_status) else os.WEXITSTATUS(wait_status)
    _send(control, {"type": "exited", "status": code})


def _address_space() -> int:
    """This process's mapped address space in bytes (``VmSize``)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _reset(libc: ctypes.CDLL) -> dict:
    """Remove the System V IPC objects left in this IPC namespace; say whether anything is left."""
    problems: list[str] = []
    for kind, remove in (("shm", libc.shmctl), ("sem", libc.semctl), ("msg", libc.msgctl)):
        for ident in _ipc_ids(kind):
            if kind == "sem":
                result = remove(ident, 0, _IPC_RMID, None)
            else:
                result = remove(ident, _IPC_RMID, None)
            if result != 0:
                problems.append(f"could not remove System V {kind} {ident}")
        if _ipc_ids(kind):
            problems.append(f"System V {kind} objects are left")
    try:
        left = [name for name in os.listdir("/tmp") if not _only_mounts(os.path.join("/tmp", name))]
    except OSError as exc:
        problems.append(f"cannot list /tmp: {exc.strerror}")
    else:
        if left:
            problems.append(f"/tmp is not empty ({len(left)} entries)")
    return {"type": "clean", "ok": not problems, "detail": "; ".join(problems)}


def _warm_optional(name: str) -> None:
    """Import a package the courses' starters import, when it is installed, so each child need not.

    torchvision's import pulls in ``torch._dynamo`` (2 to 4 s); it starts no thread, so
    forking after it is safe. OpenCV is left out: its import starts a thread.
    """
    before, environment = set(os.listdir("/tmp")), dict(os.environ)
    try:
        importlib.import_module(name)
    except Exception:  # noqa: BLE001 - absent or broken here: the child imports (and reports) it itself
        sys.modules.pop(name, None)
    # torch._dynamo sets TORCHINDUCTOR_CACHE_DIR and makes that folder: every child starts as a fresh
    # worker does, with the worker's own environment and an empty /tmp
    os.environ.clear()
    os.environ.update(environment)
    for entry in set(os.listdir("/tmp")) - before:
        shutil.rmtree(os.path.join("/tmp", entry), ignore_errors=True)


def _only_mounts(path: str) -> bool:
    """True for a mount point, or a folder holding nothing but such folders: what bwrap made
    under the sandbox's ``/tmp`` to bind a path that lies under the host's ``/tmp``."""
    if os.path.islink(path) or not os.path.isdir(path):
        return False
    if os.path.ismount(path):
        return True
    entries = os.listdir(path)
    return bool(entries) and all(_only_mounts(os.path.join(path, name)) for name in entries)


def _ipc_ids(kind: str) -> list[int]:
    ids: list[int] = []
    try:
        with open(f"/proc/sysvipc/{kind}") as table:
            next(table, None)
            for line in table:
                fields = line.split()
                if len(fields) > 1 and fields[1].isdigit():
                    ids.append(int(fields[1]))
    except OSError:
        pass
    return ids


if __name__ == "__main__":
    main()
