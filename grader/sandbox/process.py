"""Start a confined worker, own its channel and its output, watch its limits, and kill its whole tree.

``WorkerProcess`` is the only place that touches the worker's pipes:

- requests go out and replies come back on two dedicated pipes (never stdout), read
  with a deadline so a worker that stalls mid-frame cannot hang the grader, and a
  length prefix above ``Limits.message_mb`` is refused before anything is read;
- stdout and stderr are drained by threads into one bounded ``OutputCapture`` (the
  rest is counted and dropped); past ``Limits.output_max_mb`` in all the worker is
  stopped;
- a monitor thread stops the worker when its whole tree has used ``Limits.cpu_s`` of
  CPU (where a cgroup counts it) or, without a capped tmpfs, when its workspace grows
  past ``Limits.disk_mb`` or ``Limits.files``;
- ``kill()`` kills the tree: the cgroup (frozen, then SIGKILL to each process), the
  process group, bubblewrap's pid namespace, and without a cgroup every process of the
  worker's own uid.

``Confinement`` (cgroup + launch) is shared with ``run_command``.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import select
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.sandbox import cgroups
from grader.sandbox.base import Backend, Launch, SandboxSpec, allocate_uid, preexec_for
from grader.sandbox.cgroups import LimitCounters, WorkerCgroup
from grader.sandbox.limits import Limits
from grader.worker.protocol import ProtocolError

if TYPE_CHECKING:
    from grader.sandbox.zygote import ForkedChild, Zygote

__all__ = ["WorkerProcess", "OutputCapture", "ChannelClosed", "ChannelTimeout", "describe_exit", "Confinement",
           "CHANNEL_BROKEN_EXIT"]

_LEN_BYTES = 4
_MONITOR_INTERVAL_S = 0.1
_DISK_CHECK_EVERY_S = 1.0
_PIPE_CHUNK = 1 << 16
#: at most what a pipe can hold (1 MiB, Linux's default pipe-max-size): a worker that keeps
#: printing cannot keep ``settle_output`` reading
_SETTLE_READS = 16
#: the worker exits with this status when its channel to the grader breaks (see graderworker.server)
CHANNEL_BROKEN_EXIT = 86


class ChannelClosed(Exception):
    """The worker closed its end (it exited or was killed)."""


class ChannelTimeout(Exception):
    """No complete reply before the deadline."""


class OutputCapture:
    """stdout+stderr of one worker, kept up to ``limit`` bytes; positions let items take slices."""

    def __init__(self, limit: int):
        self.limit = limit
        self._data = bytearray()
        self.dropped = 0
        self.total = 0
        self._lock = threading.Lock()

    def feed(self, chunk: bytes) -> None:
        with self._lock:
            self.total += len(chunk)
            room = self.limit - len(self._data)
            if room > 0:
                self._data += chunk[:room]
            self.dropped += max(0, len(chunk) - max(room, 0))

    def note(self, text: str) -> None:
        """A line from the grader itself (a limit that was hit), kept even when the capture is full."""
        with self._lock:
            self._data += f"\n[grader] {text}\n".encode()

    @property
    def position(self) -> int:
        with self._lock:
            return len(self._data)

    def text(self, start: int = 0, end: int | None = None) -> str:
        with self._lock:
            data = bytes(self._data[start:end])
        return data.decode("utf-8", errors="replace")

    def tail(self, n: int = 2000) -> str:
        with self._lock:
            return bytes(self._data[-n:]).decode("utf-8", errors="replace")


class Confinement:
    """How one confined process is started and ended: the backend's launch plus a cgroup."""

    def __init__(self, backend: Backend, spec: SandboxSpec, argv: list[str] | None = None,
                 channel: tuple[int, int] | None = None, *, helper_processes: int | None = None):
        if backend.drops_privileges and spec.uid is None:
            spec = dataclasses.replace(spec, uid=allocate_uid())
        self.backend = backend
        self.spec = spec
        backend.prepare_workspace(spec)
        support = cgroups.detect()
        helpers = backend.helper_processes if helper_processes is None else helper_processes
        self.cgroup: WorkerCgroup | None = None
        if support.version != "none":
            try:
                self.cgroup = WorkerCgroup(support, spec.limits, helper_processes=helpers)
            except OSError:
                self.cgroup = None
        try:
            if channel is not None:
                self.launch: Launch = backend.launch(spec, *channel)
            else:
                assert argv is not None
                self.launch = backend.launch_command(spec, argv)
        except BaseException:
            self._remove_cgroup()
            raise
        if self.cgroup is not None and (support.version == "v2" or support.has("pids")):
            # the cgroup counts the tree exactly (and says so); RLIMIT_NPROC stays as a looser backstop
            backstop = spec.limits.processes + helpers + 8
            rlimits = {**self.launch.rlimits, resource.RLIMIT_NPROC: (backstop, backstop)}
            self.launch = dataclasses.replace(self.launch, rlimits=rlimits)
        self.proc: subprocess.Popen | None = None

    def start(self, **popen: Any) -> subprocess.Popen:
        launch = self.launch
        extra = tuple(popen.pop("pass_fds", ()))
        try:
            self.proc = subprocess.Popen(
                launch.argv, env=launch.env, cwd=launch.cwd, start_new_session=True,
                pass_fds=extra + launch.pass_fds,
                preexec_fn=preexec_for(launch, self.cgroup.procs_files() if self.cgroup else ()),
                **popen,
            )
        except BaseException:
            self._remove_cgroup()
            raise
        finally:
            for fd in launch.close_after_start:
                try:
                    os.close(fd)
                except OSError:
                    pass
        return self.proc

    def counters(self) -> LimitCounters:
        base = self.cgroup.counters() if self.cgroup is not None else LimitCounters()
        extra = self.backend.counters(self.launch)
        return LimitCounters(base.oom_kills + extra.oom_kills, base.pids_refused + extra.pids_refused,
                             base.cpu_s + extra.cpu_s)

    def kill_tree(self) -> None:
        """SIGKILL everything the worker started, by every means this host gives."""
        if self.cgroup is not None:
            self.cgroup.kill_all()
        if self.proc is not None and self.proc.returncode is None:  # once reaped, the pid may be reused
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.cgroup is None and self.spec.uid is not None and self.backend.name == "rlimit":
            from grader.sandbox.rlimit import kill_uid

            kill_uid(self.spec.uid)

    def cleanup(self) -> None:
        """After the process is gone: make sure nothing of its tree is left, then remove the cgroup."""
        self.backend.release(self.launch)
        if self.cgroup is not None:
            self.cgroup.kill_all()
        elif self.spec.uid is not None and self.backend.name == "rlimit":
            from grader.sandbox.rlimit import kill_uid

            kill_uid(self.spec.uid)
        self._remove_cgroup()

    def _remove_cgroup(self) -> None:
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None


class WorkerProcess:
    """One running worker: spawn, exchange frames with deadlines, watch limits, kill, explain its exit."""

    def __init__(self, backend: Backend, spec: SandboxSpec, *, zygote: "Zygote | None" = None):
        """Start a worker for ``spec``: a fresh one, or one forked by ``zygote`` (which copies
        ``spec.workspace`` into its own workspace; ``self.spec.workspace`` then names that one)."""
        self.backend = backend
        limits = spec.limits
        self.output = OutputCapture(limits.output_kb * 1024)
        self.killed_reason: str | None = None
        self._max_reply = limits.message_mb * 1024 * 1024
        self._max_output = limits.output_max_mb * 1024 * 1024
        self._closed = threading.Event()
        self._kill_lock = threading.Lock()
        self._cleaned = False
        req_r, self._req_w = os.pipe()
        self._rep_r, rep_w = os.pipe()
        try:
            self.started = time.monotonic()
            if zygote is not None:
                from grader.sandbox.zygote import ChildConfinement

                self.spec = dataclasses.replace(spec, workspace=zygote.workspace, disk_capped=True)
                child = ChildConfinement(zygote, self.spec)
                self.confinement: Confinement | ChildConfinement = child
                self._proc: subprocess.Popen | ForkedChild = child.start_child(spec.workspace, req_r, rep_w)
            else:
                self.confinement = Confinement(backend, spec, channel=(req_r, rep_w))
                self.spec = self.confinement.spec
                self._proc = self.confinement.start(stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                    stderr=subprocess.PIPE, pass_fds=(req_r, rep_w))
        except BaseException:
            for fd in (self._req_w, self._rep_r):
                os.close(fd)
            raise
        finally:
            os.close(req_r)
            os.close(rep_w)
        # one lock per output pipe, held while a chunk goes from the pipe into the capture
        self._pipes = {stream.fileno(): threading.Lock() for stream in (self._proc.stdout, self._proc.stderr)}
        for fd in self._pipes:
            os.set_blocking(fd, False)
        self._threads = [
            threading.Thread(target=self._drain, args=(fd,), daemon=True, name="worker-drain")
            for fd in self._pipes
        ]
        self._threads.append(threading.Thread(target=self._monitor, daemon=True, name="worker-monitor"))
        for thread in self._threads:
            thread.start()

    @property
    def limits(self) -> Limits:
        return self.spec.limits

    # ----------------------------------------------------------------- channel

    def send(self, payload: bytes, deadline: float) -> None:
        data = memoryview(len(payload).to_bytes(_LEN_BYTES, "big") + payload)
        while data:
            self._wait(self._req_w, deadline, write=True)
            try:
                written = os.write(self._req_w, data[: 1 << 16])
            except (BrokenPipeError, OSError):
                raise ChannelClosed("the worker closed its channel") from None
            data = data[written:]

    def receive(self, deadline: float) -> bytes:
        header = self._read_exact(_LEN_BYTES, deadline)
        length = int.from_bytes(header, "big")
        if length > self._max_reply:
            raise ProtocolError(f"the worker sent a {length}-byte message; the cap is {self._max_reply} bytes "
                                f"({self.limits.message_mb} MiB)")
        payload = self._read_exact(length, deadline)
        self.settle_output()
        return payload

    def settle_output(self) -> None:
        """Move into the capture what the worker wrote before its reply, which the drain threads
        may not have read yet: a test's output slice must hold everything that test printed."""
        for fd, lock in self._pipes.items():
            with lock:
                for _ in range(_SETTLE_READS):
                    chunk = _read_ready(fd)
                    if not chunk:
                        break
                    self._take(chunk)

    def _read_exact(self, n: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        while n:
            self._wait(self._rep_r, deadline, write=False)
            try:
                chunk = os.read(self._rep_r, min(n, 1 << 20))
            except OSError:
                chunk = b""
            if not chunk:
                raise ChannelClosed("the worker closed its channel")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _wait(self, fd: int, deadline: float, *, write: bool) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ChannelTimeout()
        try:
            ready = select.select([], [fd], [], remaining) if write else select.select([fd], [], [], remaining)
        except (OSError, ValueError):
            raise ChannelClosed("the channel to the worker is closed") from None
        if not any(ready):
            raise ChannelTimeout()

    def _drain(self, fd: int) -> None:
        lock = self._pipes[fd]
        poller = select.poll()  # not select(): no limit on the descriptor's number
        poller.register(fd, select.POLLIN)
        try:
            while True:
                poller.poll()
                with lock:
                    chunk = _read_ready(fd)
                    if chunk == b"":
                        return
                    if chunk is not None:
                        self._take(chunk)
        except (OSError, ValueError):
            pass

    def _take(self, chunk: bytes) -> None:
        self.output.feed(chunk)
        if self.output.total > self._max_output and self.killed_reason is None:
            self._terminate(f"the worker printed more than {self.limits.output_max_mb} MiB to "
                            "stdout/stderr; it was stopped")

    def _monitor(self) -> None:
        """Watch what rlimits cannot: CPU of the whole tree and, without a tmpfs cap, the workspace."""
        cgroup = self.confinement.cgroup
        limits = self.limits
        watch_cpu = (cgroup is not None and cgroup.counts_cpu) or self.confinement.backend.counts_cpu
        watch_disk = not self.spec.disk_capped
        next_disk = time.monotonic() + _DISK_CHECK_EVERY_S
        while not self._closed.wait(_MONITOR_INTERVAL_S):
            if self._proc.poll() is not None:
                return
            if watch_cpu:
                used = self.confinement.counters().cpu_s
                if used > limits.cpu_s:
                    self._terminate(f"the worker used more than {limits.cpu_s} s of CPU time "
                                    "(all its processes together); it was stopped")
                    return
            if watch_disk and time.monotonic() >= next_disk:
                next_disk = time.monotonic() + _DISK_CHECK_EVERY_S
                reason = self._disk_over()
                if reason:
                    self._terminate(reason)
                    return

    def _disk_over(self) -> str | None:
        limits = self.limits
        folders = [self.spec.workspace] + ([self.spec.home] if self.spec.home else [])
        cap_bytes = limits.disk_mb * 1024 * 1024
        total = entries = 0
        stack = [str(f) for f in folders]
        while stack:
            folder = stack.pop()
            try:
                with os.scandir(folder) as it:
                    for entry in it:
                        entries += 1
                        try:
                            info = entry.stat(follow_symlinks=False)
                        except OSError:
                            continue
                        total += info.st_blocks * 512
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
            except OSError:
                continue
            if total > cap_bytes:
                return (f"the worker wrote more than {limits.describe_disk()} to its workspace "
                        "(the disk limit); it was stopped")
            if entries > limits.files:
                return (f"the worker created more than {limits.files} files in its workspace "
                        "(the file-count limit); it was stopped")
        return None

    # ----------------------------------------------------------------- limits

    def counters(self) -> LimitCounters:
        return self.confinement.counters()

    # ----------------------------------------------------------------- lifetime

    def alive(self) -> bool:
        return self._proc.poll() is None

    def _terminate(self, reason: str | None) -> None:
        """Record ``reason`` (the first one wins) and kill the tree, without waiting."""
        with self._kill_lock:
            if reason and not self.killed_reason:
                self.killed_reason = reason
            self.confinement.kill_tree()

    def kill(self, reason: str | None = None) -> None:
        """Kill the worker's whole tree; the first reason given is kept."""
        self._terminate(reason)
        self.wait()

    def wait(self, timeout: float = 5.0) -> int | None:
        try:
            code = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=1.0)
        return code

    def close(self) -> None:
        self._closed.set()
        self.kill()
        for fd in (self._req_w, self._rep_r):
            try:
                os.close(fd)
            except OSError:
                pass
        if not self._cleaned:
            self._cleaned = True
            self.confinement.cleanup()

    @property
    def returncode(self) -> int | None:
        return self._proc.poll()

    def exit_description(self) -> str:
        """Why the worker is gone, in words a student can act on."""
        if self.killed_reason:
            return self.killed_reason
        code = self.wait(timeout=2.0)
        limits = self.limits
        if self.counters().oom_kills and _signal_of(code) == signal.SIGKILL:
            return (f"the worker ran out of the {limits.describe_memory()} memory limit "
                    "(all its processes together) and was stopped")
        return describe_exit(code, limits.describe_memory(), limits.cpu_s, limits.file_size_mb)


def _read_ready(fd: int) -> bytes | None:
    """What a non-blocking pipe holds now: bytes, ``b""`` at its end, None when it is empty."""
    try:
        return os.read(fd, _PIPE_CHUNK)
    except BlockingIOError:
        return None
    except OSError:  # closed under us: nothing more will come
        return b""


def _signal_of(code: int | None) -> int | None:
    if code is None:
        return None
    # bubblewrap reports a child killed by signal N as exit status 128 + N
    return -code if code < 0 else (code - 128 if code > 128 else None)


def describe_exit(code: int | None, memory: str, cpu_s: int, file_mb: int) -> str:
    if code is None:
        return "the worker stopped answering"
    sig = _signal_of(code)
    if sig == signal.SIGKILL:
        return f"the worker was killed (SIGKILL), most likely for using more than the {memory} memory limit"
    if sig == signal.SIGXCPU:
        return f"the worker used up its {cpu_s} s of CPU time"
    if sig == signal.SIGXFSZ:
        return f"the worker tried to write a file larger than the {file_mb} MiB limit"
    if sig == signal.SIGSEGV:
        return "the worker crashed with a segmentation fault"
    if sig == signal.SIGSYS:
        return "the worker was stopped for making a forbidden system call"
    if sig is not None and code != 0:
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return f"the worker was killed by {name}"
    if code == CHANNEL_BROKEN_EXIT:
        return ("the worker lost its channel to the grader (the code closed or replaced the file "
                "descriptors the grader uses)")
    return f"the worker exited early with status {code} (the code called exit or os._exit)"


def spawn(backend: Backend, spec: SandboxSpec, *, zygote: "Zygote | None" = None) -> WorkerProcess:
    return WorkerProcess(backend, spec, zygote=zygote)


def workspace_of(process: WorkerProcess) -> Path:
    return process.spec.workspace
