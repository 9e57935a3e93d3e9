"""Start a confined worker, own its channel and its output, and kill its whole tree.

``WorkerProcess`` is the only place that touches the worker's pipes:

- requests go out and replies come back on two dedicated pipes (never stdout), read
  with a deadline so a worker that stalls mid-frame cannot hang the grader;
- stdout and stderr are drained by threads into one bounded ``OutputCapture``
  (the rest is counted and dropped, so 1 GB of prints costs nothing but time);
- ``kill()`` signals the process group; bubblewrap's pid namespace takes the rest.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import threading
import time
from pathlib import Path

from grader.sandbox.base import Backend, SandboxSpec, preexec_for
from grader.worker.protocol import ProtocolError

__all__ = ["WorkerProcess", "OutputCapture", "ChannelClosed", "ChannelTimeout", "describe_exit"]

_LEN_BYTES = 4


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
        self._lock = threading.Lock()

    def feed(self, chunk: bytes) -> None:
        with self._lock:
            room = self.limit - len(self._data)
            if room > 0:
                self._data += chunk[:room]
            self.dropped += max(0, len(chunk) - max(room, 0))

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


class WorkerProcess:
    """One running worker: spawn, exchange frames with deadlines, kill, explain its exit."""

    def __init__(self, backend: Backend, spec: SandboxSpec):
        self.backend = backend
        self.spec = spec
        self.output = OutputCapture(spec.limits.output_kb * 1024)
        self.killed_reason: str | None = None
        self._max_reply = spec.limits.message_mb * 1024 * 1024
        req_r, self._req_w = os.pipe()
        self._rep_r, rep_w = os.pipe()
        launch = backend.launch(spec, req_r, rep_w)

        self.started = time.monotonic()
        self._proc = subprocess.Popen(
            launch.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=launch.env,
            cwd=launch.cwd,
            pass_fds=(req_r, rep_w),
            start_new_session=True,
            preexec_fn=preexec_for(launch),
        )
        os.close(req_r)
        os.close(rep_w)
        self._drains = [
            threading.Thread(target=self._drain, args=(stream,), daemon=True)
            for stream in (self._proc.stdout, self._proc.stderr)
        ]
        for thread in self._drains:
            thread.start()

    # ----------------------------------------------------------------- channel

    def send(self, payload: bytes, deadline: float) -> None:
        data = memoryview(len(payload).to_bytes(_LEN_BYTES, "big") + payload)
        while data:
            self._wait(self._req_w, deadline, write=True)
            try:
                written = os.write(self._req_w, data[: 1 << 16])
            except BrokenPipeError:
                raise ChannelClosed("the worker closed its channel") from None
            data = data[written:]

    def receive(self, deadline: float) -> bytes:
        header = self._read_exact(_LEN_BYTES, deadline)
        length = int.from_bytes(header, "big")
        if length > self._max_reply:
            raise ProtocolError(f"the worker sent a {length}-byte message; the cap is {self._max_reply} bytes")
        return self._read_exact(length, deadline)

    def _read_exact(self, n: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        while n:
            self._wait(self._rep_r, deadline, write=False)
            chunk = os.read(self._rep_r, min(n, 1 << 20))
            if not chunk:
                raise ChannelClosed("the worker closed its channel")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _wait(self, fd: int, deadline: float, *, write: bool) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ChannelTimeout()
        ready = select.select([], [fd], [], remaining) if write else select.select([fd], [], [], remaining)
        if not any(ready):
            raise ChannelTimeout()

    def _drain(self, stream) -> None:  # type: ignore[no-untyped-def]
        for chunk in iter(lambda: stream.read1(1 << 16), b""):
            self.output.feed(chunk)

    # ----------------------------------------------------------------- lifetime

    def alive(self) -> bool:
        return self._proc.poll() is None

    def kill(self, reason: str | None = None) -> None:
        """Kill the worker's whole process group; the first reason given is kept."""
        if reason and not self.killed_reason:
            self.killed_reason = reason
        if self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.wait()

    def wait(self, timeout: float = 5.0) -> int | None:
        try:
            code = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        for thread in self._drains:
            thread.join(timeout=1.0)
        return code

    def close(self) -> None:
        self.kill()
        for fd in (self._req_w, self._rep_r):
            try:
                os.close(fd)
            except OSError:
                pass

    @property
    def returncode(self) -> int | None:
        return self._proc.poll()

    def exit_description(self) -> str:
        """Why the worker is gone, in words a student can act on."""
        if self.killed_reason:
            return self.killed_reason
        code = self.wait(timeout=2.0)
        return describe_exit(code, self.spec.limits.describe_memory(), self.spec.limits.cpu_s,
                             self.spec.limits.file_size_mb)


def describe_exit(code: int | None, memory: str, cpu_s: int, file_mb: int) -> str:
    if code is None:
        return "the worker stopped answering"
    # bubblewrap reports a child killed by signal N as exit status 128 + N
    sig = -code if code < 0 else (code - 128 if code > 128 else None)
    if sig == signal.SIGKILL:
        return f"the worker was killed (SIGKILL), most likely for using more than the {memory} memory limit"
    if sig == signal.SIGXCPU:
        return f"the worker used up its {cpu_s} s of CPU time"
    if sig == signal.SIGXFSZ:
        return f"the worker tried to write a file larger than the {file_mb} MiB limit"
    if sig == signal.SIGSEGV:
        return "the worker crashed with a segmentation fault"
    if sig is not None and code != 0:
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return f"the worker was killed by {name}"
    return f"the worker exited early with status {code} (the code called exit or os._exit)"


def spawn(backend: Backend, spec: SandboxSpec) -> WorkerProcess:
    backend.prepare_workspace(Path(spec.workspace))
    return WorkerProcess(backend, spec)
