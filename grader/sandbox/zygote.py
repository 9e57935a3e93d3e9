"""Warm workers: one sandbox that imports torch once and forks a fresh worker per submission.

Starting a worker costs a sandboxed Python and ``import torch`` (2.8 CPU-seconds here),
close to what the hidden tests of a small homework spend. A batch's pool worker
therefore keeps one **zygote** (``graderworker.zygote``) per set of limits and datasets:
a worker started by the ``bwrap`` backend exactly like a fresh one (namespaces, seccomp,
its own uid, a cgroup), whose only job is to fork a child per worker the grading asks for.

What keeps one submission out of the next (SECURITY.md, "Warm workers"):

- the zygote never runs student code and never reads what a student wrote: the trusted
  side writes each submission into the workspace itself; the zygote is non-dumpable
  (another process of its uid cannot read its memory or ``/proc`` entries) and the
  seccomp filter refuses signals to it (pid 2) and to bubblewrap's init (pid 1);
- the child becomes the worker in a session of its own, with fresh channel and output
  pipes (passed over ``SCM_RIGHTS``) and its own CPU limit; copy-on-write keeps its
  memory its own;
- between two children, in this order: every process in the cgroup but bubblewrap and
  the zygote is SIGKILLed with the cgroup frozen (a process that double-forked or
  called ``setsid`` is still in the cgroup), until none is left; the workspace and the
  sandbox's ``/tmp`` are emptied from outside, as root, without following links; the
  zygote removes System V IPC objects and confirms ``/tmp`` is empty. There is no other
  writable place (``/dev`` and ``/dev/shm`` belong to root);
- if any step fails or times out, or the zygote died, stopped or answered oddly, it is
  discarded (the cgroup killed whole, the mount removed) and the next worker starts
  fresh, the slow way, which is also what happens where warm workers cannot be had
  (not root, no cgroup, no freezer, no tmpfs mount).

Limits and counters are per child: its own ``RLIMIT_CPU``, ``RLIMIT_AS`` of ``memory_mb``
over the address space it inherited, the memory cgroup raised by the zygote's resident size,
and the cgroup's CPU time, out-of-memory kills and refused forks counted since the fork.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from grader.sandbox import cgroups
from grader.sandbox.base import SandboxSpec, allocate_uid, chown_tree, python_executable
from grader.sandbox.cgroups import LimitCounters
from grader.sandbox.files import empty_folder
from grader.sandbox.limits import Limits
from grader.sandbox.process import Confinement
from grader.sandbox.workspace import WorkerWorkspace, remount_tmpfs, tmpfs_unavailable_reason

if TYPE_CHECKING:
    from grader.sandbox.bwrap import BwrapBackend

__all__ = ["Zygote", "ZygoteUnavailable", "warm_unavailable_reason", "ZYGOTE_PID", "STARTUP_S"]

#: the zygote's pid inside its pid namespace (bubblewrap's init is 1); the filter protects both
ZYGOTE_PID = 2
#: start-up (Python and torch) must finish within this
STARTUP_S = 60.0
#: how long a reply from the zygote may take once started
_REPLY_S = 10.0
#: what its own stdout/stderr keep (for the message when it fails to start)
_OWN_OUTPUT = 8192
#: its workspace folder: ``<tmp>/grader-zygote-<pid of the grading process>-<random>/root``
_PREFIX = "grader-zygote-"


class ZygoteUnavailable(RuntimeError):
    """The zygote cannot give a worker now; the caller starts a fresh one instead."""


def warm_unavailable_reason() -> str | None:
    """None when warm workers can be used here; otherwise why not (they need root's cgroup and mounts)."""
    if os.geteuid() != 0:
        return "warm workers need the grader to run as root (each submission's processes are killed by cgroup)"
    support = cgroups.detect()
    if support.version == "none":
        return "warm workers need cgroups (to find and kill every process a submission left)"
    if support.version == "v1" and not support.has("freezer"):
        return "warm workers need the cgroup freezer (so a fork bomb cannot outrun the kills)"
    return tmpfs_unavailable_reason()


class Zygote:
    """One warm sandbox for one (limits, datasets) pair; gives out one worker at a time."""

    def __init__(self, backend: "BwrapBackend", limits: Limits, ro_binds: tuple[tuple[Path, str], ...]):
        reason = warm_unavailable_reason()
        if reason:
            raise ZygoteUnavailable(reason)
        self.limits = limits
        self.ro_binds = ro_binds
        self.busy = False
        self.dirty = False
        self.closed = False
        #: why a fork failed and it was discarded (None while it works)
        self.problem: str | None = None
        self._lock = threading.Lock()
        self._output = bytearray()
        _sweep_stale_workspaces()
        self._workspace = WorkerWorkspace.create_empty(
            Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-")) / "root", limits)
        self.uid = allocate_uid()
        spec = SandboxSpec(workspace=self._workspace.path, limits=limits, ro_binds=ro_binds, uid=self.uid,
                           disk_capped=True, protect_pids=(1, ZYGOTE_PID))
        self._control, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            argv = [python_executable(), "-s", "-B", "-P", "-m", "graderworker.zygote",
                    "--control", str(child_end.fileno()), "--threads", str(limits.threads)]
            self.confinement = Confinement(backend, spec, argv=argv,
                                           helper_processes=backend.helper_processes + 1)
            # the zygote's CPU time would grow with every submission, and its imports take address space
            # that is not the student's: each child sets both limits for itself
            unlimited = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
            rlimits = {**self.confinement.launch.rlimits, resource.RLIMIT_CPU: unlimited,
                       resource.RLIMIT_AS: unlimited}
            self.confinement.launch = dataclasses.replace(self.confinement.launch, rlimits=rlimits)
            self._proc = self.confinement.start(stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                stderr=subprocess.STDOUT, pass_fds=(child_end.fileno(),))
        except BaseException:
            child_end.close()
            self._control.close()
            self._remove_workspace()
            raise
        child_end.close()
        threading.Thread(target=self._drain, args=(self._proc.stdout,), daemon=True, name="zygote-drain").start()
        try:
            ready = self._receive(STARTUP_S, "start-up")
            if ready.get("type") != "ready" or ready.get("pid") != ZYGOTE_PID:
                raise ZygoteUnavailable(f"the warm worker started oddly: {ready!r}")
            cgroup = self.confinement.cgroup
            if cgroup is None:
                raise ZygoteUnavailable("no cgroup for the warm worker")
            #: bubblewrap, its init and the zygote: the only processes that outlive a child
            self.keep = frozenset(cgroup.pids())
            if len(self.keep) != 3 or self._proc.pid not in self.keep:
                raise ZygoteUnavailable(f"the warm worker's sandbox has {len(self.keep)} processes, not 3")
            # what the zygote holds in memory (torch) is not the student's: the tree keeps its full limit
            cgroup.add_memory(self._resident_bytes())
        except BaseException:
            self.close()
            raise

    # ----------------------------------------------------------------- giving out workers

    @property
    def workspace(self) -> Path:
        """The host folder the sandbox sees as ``/workspace`` (what the live child wrote, until the next reset)."""
        return self._workspace.path

    def usable_for(self, limits: Limits, ro_binds: tuple[tuple[Path, str], ...]) -> bool:
        return not self.closed and not self.busy and limits == self.limits and ro_binds == self.ro_binds

    def fork(self, source: Path, req_r: int, rep_w: int) -> "ForkedChild":
        """Reset if needed, copy ``source`` into the workspace, and fork a worker on the given channel."""
        with self._lock:
            if self.closed or self.busy:
                raise ZygoteUnavailable("the warm worker is closed or busy")
            self.busy = True
        try:
            if self.dirty:
                self._reset()
            self._fill(source)
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
            try:
                cgroup = self.confinement.cgroup
                assert cgroup is not None
                baseline = cgroup.counters()
                command = {"type": "fork", "cpu_s": self.limits.cpu_s, "memory_mb": self.limits.memory_mb,
                           "threads": self.limits.threads}
                socket.send_fds(self._control, [json.dumps(command).encode()], [req_r, rep_w, out_w, err_w])
            finally:
                os.close(out_w)
                os.close(err_w)
            self.dirty = True
            reply = self._receive(_REPLY_S, "fork")
            if reply.get("type") != "forked" or type(reply.get("pid")) is not int:
                os.close(out_r)
                os.close(err_r)
                raise ZygoteUnavailable(f"the warm worker did not fork: {reply!r}")
            return ForkedChild(self, os.fdopen(out_r, "rb"), os.fdopen(err_r, "rb"), baseline)
        except BaseException as exc:
            self.problem = f"{type(exc).__name__}: {exc}"
            self.discard()
            raise

    def kill_children(self) -> bool:
        """SIGKILL every process of the sandbox but bubblewrap and the zygote; True once none is left."""
        cgroup = self.confinement.cgroup
        if cgroup is None or self.closed:
            return False
        return cgroup.kill_all(keep=self.keep)

    def release(self, child: "ForkedChild") -> None:
        """The child's worker is done: kill what is left of it; the zygote is reset before the next fork."""
        ok = self.kill_children() and child.wait_exit(_REPLY_S) is not None and self.alive()
        self.busy = False
        if not ok:
            self.discard()

    def alive(self) -> bool:
        return not self.closed and self._proc.poll() is None

    # ----------------------------------------------------------------- reset

    def _reset(self) -> None:
        if not self.kill_children():
            raise ZygoteUnavailable("processes of the last submission could not be killed")
        empty_folder(self._workspace.path)
        empty_folder(Path(f"/proc/{self._zygote_host_pid()}/root/tmp"), keep_mounts=True)
        self._send({"type": "reset"})
        reply = self._receive(_REPLY_S, "reset")
        if reply.get("type") != "clean" or reply.get("ok") is not True:
            raise ZygoteUnavailable(f"the warm worker is not clean: {reply.get('detail', reply)!r}")
        self.dirty = False

    def _zygote_host_pid(self) -> int:
        """The zygote's pid on the host: the one kept process that is neither bubblewrap nor its init."""
        bwrap = self._proc.pid
        for pid in self.keep - {bwrap}:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            nspid = [line.split()[-1] for line in status.splitlines() if line.startswith("NSpid:")]
            if nspid and nspid[0] == str(ZYGOTE_PID):
                return pid
        raise ZygoteUnavailable("the warm worker's process is gone")

    def _resident_bytes(self) -> int:
        """The zygote's resident memory (``VmRSS``), rounded up to 16 MiB."""
        status = Path(f"/proc/{self._zygote_host_pid()}/status").read_text()
        kib = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        step = 16 * 1024 * 1024
        return -(-kib * 1024 // step) * step

    def _fill(self, source: Path) -> None:
        used = WorkerWorkspace.bytes_needed(source)
        remount_tmpfs(self._workspace.root, self.limits.disk_mb * 1024 * 1024 + used,
                      self.limits.files + WorkerWorkspace.entries(source) + 8)
        shutil.copytree(source, self._workspace.path, symlinks=True, dirs_exist_ok=True)
        os.chmod(self._workspace.path, 0o755)  # the last child owned it and may have changed its mode
        chown_tree(self._workspace.path, self.uid)

    # ----------------------------------------------------------------- control channel

    def _send(self, message: dict) -> None:
        try:
            self._control.send(json.dumps(message).encode())
        except OSError as exc:
            raise ZygoteUnavailable(f"the warm worker's control channel is closed ({exc.strerror})") from None

    def _receive(self, timeout: float, what: str) -> dict[str, Any]:
        ready, _, _ = select.select([self._control], [], [], timeout)
        if not ready:
            raise ZygoteUnavailable(f"the warm worker did not answer ({what}) within {timeout:g} s; "
                                    f"its output: {self.output()[-500:]!r}")
        return self._read_packet(what)

    def _read_packet(self, what: str) -> dict[str, Any]:
        try:
            data = self._control.recv(1 << 16)
        except OSError:
            data = b""
        if not data:
            raise ZygoteUnavailable(f"the warm worker is gone ({what}); its output: {self.output()[-500:]!r}")
        try:
            message = json.loads(data)
        except ValueError:
            raise ZygoteUnavailable("the warm worker sent a malformed message") from None
        if not isinstance(message, dict):
            raise ZygoteUnavailable("the warm worker sent a malformed message")
        return message

    def poll_message(self, timeout: float) -> dict[str, Any] | None:
        """The next message if one arrives within ``timeout``; raises if the zygote is gone."""
        ready, _, _ = select.select([self._control], [], [], max(timeout, 0))
        return self._read_packet("waiting") if ready else None

    def _drain(self, stream: IO[bytes]) -> None:
        try:
            for chunk in iter(lambda: stream.read1(1 << 12), b""):  # type: ignore[attr-defined]
                room = _OWN_OUTPUT - len(self._output)
                if room > 0:
                    self._output += chunk[:room]
        except (OSError, ValueError):
            pass

    def output(self) -> str:
        return bytes(self._output).decode("utf-8", errors="replace")

    # ----------------------------------------------------------------- end

    def discard(self) -> None:
        """Kill the whole sandbox and remove its workspace; the next worker starts fresh."""
        self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self._control.close()
        except OSError:
            pass
        confinement = getattr(self, "confinement", None)
        if confinement is not None:
            confinement.kill_tree()
            if confinement.proc is not None:
                try:
                    confinement.proc.wait(5)
                except subprocess.TimeoutExpired:
                    pass
            confinement.cleanup()
        self._remove_workspace()

    def _remove_workspace(self) -> None:
        self._workspace.remove()
        try:
            os.rmdir(self._workspace.root.parent)
        except OSError:
            pass


def _sweep_stale_workspaces() -> None:
    """Unmount and delete the workspaces of warm sandboxes whose grading process is gone (SIGKILLed)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        pid = folder.name[len(_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or Path(f"/proc/{pid}").exists():
            continue
        WorkerWorkspace(folder / "root", mounted=os.path.ismount(folder / "root")).remove()
        try:
            folder.rmdir()
        except OSError:
            pass


class ForkedChild:
    """One worker forked by a zygote, shaped like the ``subprocess.Popen`` a fresh worker has."""

    def __init__(self, zygote: Zygote, stdout: IO[bytes], stderr: IO[bytes], baseline: LimitCounters):
        self.zygote = zygote
        self.stdout = stdout
        self.stderr = stderr
        self.baseline = baseline
        self.returncode: int | None = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int:  # never signalled directly: kills go through the cgroup
        return -1

    def poll(self) -> int | None:
        return self.wait_exit(0.0)

    def wait(self, timeout: float | None = None) -> int:
        code = self.wait_exit(3600.0 if timeout is None else timeout)
        if code is None:
            raise subprocess.TimeoutExpired("warm worker", timeout or 0)
        return code

    def wait_exit(self, timeout: float) -> int | None:
        """The child's exit status once the zygote reported it; None if not within ``timeout``."""
        end = time.monotonic() + timeout
        with self._lock:
            while self.returncode is None:
                try:
                    message = self.zygote.poll_message(end - time.monotonic())
                except (ZygoteUnavailable, OSError, ValueError):
                    # the zygote is gone, so is the child (it dies with its parent): report it killed
                    self.zygote.discard()
                    self.returncode = -9
                    break
                if message is None:
                    return None
                if message.get("type") == "exited" and type(message.get("status")) is int:
                    self.returncode = message["status"]
            return self.returncode

    def counters(self) -> LimitCounters:
        """What the cgroup counted since the fork: this child's share."""
        cgroup = self.zygote.confinement.cgroup
        now = cgroup.counters() if cgroup is not None else LimitCounters()
        return LimitCounters(now.oom_kills - self.baseline.oom_kills, now.pids_refused - self.baseline.pids_refused,
                             now.cpu_s - self.baseline.cpu_s)


class ChildConfinement:
    """``Confinement``'s part for a forked worker: counters, kills and cleanup go through the zygote."""

    def __init__(self, zygote: Zygote, spec: SandboxSpec):
        self.zygote = zygote
        self.spec = spec
        self.backend = zygote.confinement.backend
        self.cgroup = zygote.confinement.cgroup
        self.proc: ForkedChild | None = None

    def start_child(self, source: Path, req_r: int, rep_w: int) -> ForkedChild:
        self.proc = self.zygote.fork(source, req_r, rep_w)
        return self.proc

    def counters(self) -> LimitCounters:
        return self.proc.counters() if self.proc is not None else LimitCounters()

    def kill_tree(self) -> None:
        if not self.zygote.kill_children():
            self.zygote.discard()

    def cleanup(self) -> None:
        if self.proc is not None:
            self.zygote.release(self.proc)
