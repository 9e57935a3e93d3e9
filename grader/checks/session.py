"""The trusted side of one submission's worker: requests, deadlines, deaths and restarts.

Exceptions (what a hidden test can see raised out of a ``student`` call)::

    GradingError
     ├── StudentCodeError   the student's code raised; carries its type, message, their traceback
     ├── WorkerDied         the worker is gone (limit hit, crash, exit, malformed message)
     └── WorkerFileError    a file the worker wrote that the grader refuses to read (a link, a FIFO, ...)

A session starts its worker lazily on a fresh copy of the workspace (a size-capped
tmpfs where the host allows it), seeds it before each test, and restarts it after a
death, up to ``MAX_DEATHS`` times per submission. The wall-clock budget
(``Limits.wall_s``) covers the whole submission.

Nothing the worker says is believed beyond being data: every reply must answer the
request just sent (ids are random, so a forged or replayed reply shows), a malformed
or oversized frame stops the worker, and when the student's code hit a limit (the
cgroup counted an out-of-memory kill or a refused fork, or the exception says so) the
message names the limit.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.sandbox import Backend, SandboxSpec, WorkerProcess, WorkerWorkspace, spawn
from grader.sandbox.cgroups import LimitCounters
from grader.sandbox.files import UnsafeWorkerFile, read_worker_file, remove_tree
from grader.sandbox.limits import OPEN_FILES, Limits
from grader.sandbox.process import ChannelClosed, ChannelTimeout
from grader.sandbox.zygote import ZygoteUnavailable
from grader.worker.protocol import Handle, ProtocolError, decode_message, encode_message, printable

if TYPE_CHECKING:
    from grader.notebooks.execute import NotebookExecutor

__all__ = ["GradingError", "StudentCodeError", "WorkerDied", "WorkerFileError", "WorkerSession", "MAX_DEATHS",
           "worker_seed", "preload_for"]

#: after this many worker deaths the remaining tests of the submission fail at once
MAX_DEATHS = 3
#: the worker's start (Python, and torch when the code uses it) must finish within this
STARTUP_S = 60.0
#: what a single error reply may carry to the student's report
_MESSAGE_CAP, _TRACEBACK_CAP = 4000, 8000
#: at most this many compatibility notes per submission
_COMPAT_NOTES = 40


class GradingError(Exception):
    """Base of what a ``student`` call can raise on the trusted side."""


class StudentCodeError(GradingError):
    """The student's code raised an exception inside the worker."""

    def __init__(self, exc_type: str, message: str, traceback: str, where: str, note: str = ""):
        self.exc_type = exc_type
        self.message = message
        self.student_traceback = traceback
        self.where = where
        self.note = note
        location = f" (at {where})" if where else ""
        text = f"{exc_type}{location}: {message}"
        if note:
            text += f"\n({note})"
        super().__init__(text)

    def describe(self) -> str:
        text = str(self)
        if self.student_traceback.strip():
            text += "\nYour code's traceback:\n" + self.student_traceback.rstrip()
        return text


class WorkerDied(GradingError):
    """The worker process is gone; ``cause`` says why in words."""

    def __init__(self, cause: str):
        self.cause = cause
        super().__init__(cause)


class WorkerFileError(GradingError):
    """A file the worker wrote that the grader will not read; the message says why."""


def worker_seed(seed: int) -> int:
    """The seed the worker gets for a test: derived one way from the test's seed.

    The ``rng`` fixture on the trusted side uses the test's seed itself; the worker
    sees only this, so the student's code cannot replay the grader's random inputs.
    """
    return int.from_bytes(hashlib.sha256(f"worker:{seed}".encode()).digest()[:4], "big")


_IMPORTS = {name: re.compile(rf"^\s*(?:import|from)\s+{name}\b", re.MULTILINE) for name in ("torch", "numpy")}
_NOTEBOOK_IMPORTS = {name: re.compile(rf"(?:import|from)\s+{name}\b") for name in ("torch", "numpy")}


def preload_for(workspace: Path, *, max_bytes: int = 2 * 1024 * 1024, budget: int = 32 * 1024 * 1024
                ) -> tuple[str, ...]:
    """Modules worth importing before the first request: those the submission's code imports.

    Importing torch takes seconds; doing it at start keeps it out of the first call's time limit.
    Reads at most ``max_bytes`` of a file and ``budget`` bytes in all.
    """
    wanted: list[str] = []
    for path in sorted(workspace.rglob("*")):
        if budget <= 0:
            break
        if path.suffix not in (".py", ".ipynb") or path.is_symlink() or not path.is_file():
            continue
        try:
            with open(path, "rb") as f:
                text = f.read(min(max_bytes, budget)).decode("utf-8", errors="replace")
        except OSError:
            continue
        budget -= len(text)
        patterns = _IMPORTS if path.suffix == ".py" else _NOTEBOOK_IMPORTS
        for name, pattern in patterns.items():
            if name not in wanted and pattern.search(text):
                wanted.append(name)
    return tuple(sorted(wanted, key=("numpy", "torch").index))


class _WarmWorkspace:
    """A warm sandbox's workspace as the session sees it: readable; the sandbox empties it, not the session."""

    def __init__(self, path: Path):
        self.path = path

    def remove(self) -> None:
        pass


class WorkerSession:
    """Owns at most one live worker at a time for one submission."""

    def __init__(self, backend: Backend, workspace: Path, limits: Limits,
                 ro_binds: tuple[tuple[Path, str], ...] = (), notebook: "NotebookExecutor | None" = None):
        self.backend = backend
        self.workspace = workspace
        self.limits = limits
        self.ro_binds = ro_binds
        self.deaths = 0
        self.death_causes: list[str] = []
        self.generation = 0
        self._process: WorkerProcess | None = None
        self._copy: WorkerWorkspace | _WarmWorkspace | None = None
        self._scratch = Path(tempfile.mkdtemp(prefix="grader-run-"))
        self._preload = preload_for(workspace)
        self._has_torch = "torch" in self._preload
        self._started = time.monotonic()
        self.deadline = self._started + limits.wall_s
        #: wall time of the last request's round trip, measured here (not by the worker)
        self.last_round_trip_s = 0.0
        #: the per-call limit now in force; ``StudentProxy.call_limit`` raises it for long calls
        self.call_s = limits.call_s
        #: notebook mode: each new worker runs the notebook's cells before it answers anything
        self.notebook = notebook
        #: what the sandbox's compatibility hooks did for the student's code (a CUDA device run on the
        #: CPU, a dataset served, a Colab line skipped), from the workers' replies, for the report
        self.compat_notes: list[str] = []

    # ----------------------------------------------------------------- lifetime

    @property
    def output(self):  # type: ignore[no-untyped-def]
        return self._process.output if self._process else None

    @property
    def worker_workspace(self) -> Path | None:
        """The live worker's workspace copy on the host (read it only with ``read_file``)."""
        return self._copy.path if self._copy is not None else None

    def ensure_worker(self) -> None:
        """Start a worker if none is alive; refuse once the budget or the death count is spent."""
        if self._process is not None and self._process.alive():
            return
        if self._process is not None:
            self._record_death(self._process.exit_description())
        self._check_budget()
        self._drop_copy()
        if not self._spawn_warm():
            self._copy = WorkerWorkspace.create(self.workspace, self._scratch / f"worker-{self.generation + 1}",
                                                self.limits)
            spec = SandboxSpec(workspace=self._copy.path, limits=self.limits, ro_binds=self.ro_binds,
                               home=self._copy.home, disk_capped=self._copy.mounted, preload=self._preload)
            self._process = spawn(self.backend, spec)
            self._has_torch = "torch" in self._preload
        self.generation += 1
        self._request({"type": "ping"}, timeout=STARTUP_S, what="starting Python in the sandbox")
        if self.notebook is not None:
            self.notebook.start(self)

    def _spawn_warm(self) -> bool:
        """Fork the worker from the backend's warm sandbox, if it has one; False to start a fresh one."""
        zygote = self.backend.warm_worker(self.limits, self.ro_binds)
        if zygote is None:
            return False
        spec = SandboxSpec(workspace=self.workspace, limits=self.limits, ro_binds=self.ro_binds)
        try:
            self._process = spawn(self.backend, spec, zygote=zygote)
        except (ZygoteUnavailable, OSError):
            return False  # the zygote discarded itself; this worker starts the slow way
        self._copy = _WarmWorkspace(self._process.spec.workspace)
        self._has_torch = True  # the zygote imported it
        return True

    def budget_spent(self) -> bool:
        """Whether the wall-clock budget or the worker deaths allowed for this submission are used up."""
        return time.monotonic() >= self.deadline or self.deaths >= MAX_DEATHS

    def _check_budget(self) -> None:
        if time.monotonic() >= self.deadline:
            raise WorkerDied(self._wall_message())
        if self.deaths >= MAX_DEATHS:
            raise WorkerDied(f"not run: the worker already stopped {self.deaths} times "
                             f"(last: {self.death_causes[-1]})")

    def _wall_message(self) -> str:
        return f"stopped after {self.limits.wall_s:g} s of wall time (the submission's time limit)"

    def _record_death(self, cause: str) -> None:
        self.deaths += 1
        self.death_causes.append(cause)
        if self._process is not None:
            self._process.close()
        self._process = None

    def _drop_copy(self) -> None:
        if self._copy is not None:
            self._copy.remove()
            self._copy = None

    def close(self) -> None:
        """Stop the worker and delete every copy; a copy that cannot be deleted is left, not fatal."""
        if self._process is not None:
            self._process.close()
            self._process = None
        try:
            self._drop_copy()
        except OSError:
            self._copy = None
        try:
            remove_tree(self._scratch)
        except OSError:
            pass

    # ----------------------------------------------------------------- requests

    def seed(self, seed: int) -> None:
        self.request({"type": "seed", "seed": worker_seed(seed)}, what="seeding the random generators")

    def request(self, message: dict, *, what: str) -> Any:
        """Send one request to a live worker and return its decoded value."""
        self.ensure_worker()
        return self._request(message, timeout=self.call_s, what=what)

    def raw_request(self, message: dict, *, timeout: float, what: str) -> Any:
        """A request to the live worker with its own deadline, without starting one (notebook cells)."""
        return self._request(message, timeout=timeout, what=what)

    def read_file(self, relative: str, max_bytes: int = 16 * 1024 * 1024) -> bytes:
        """A file the live worker wrote in its workspace, read without following links."""
        if self._copy is None:
            raise WorkerFileError(f"cannot read {relative}: no worker has run yet")
        try:
            return read_worker_file(self._copy.path, relative, max_bytes)
        except UnsafeWorkerFile as exc:
            raise WorkerFileError(str(exc)) from None

    def _request(self, message: dict, *, timeout: float, what: str) -> Any:
        process = self._process
        assert process is not None
        request_id = secrets.randbits(48)
        try:
            payload = encode_message({**message, "id": request_id}, _refuse_local_objects)
        except ProtocolError as exc:
            raise GradingError(f"cannot pass that to the student's code: {exc}") from None
        if not self._has_torch and b'"$tensor"' in payload[:1 << 20]:
            # the worker imports torch to read this request: give it the start-up allowance
            timeout += STARTUP_S
            self._has_torch = True
        deadline = min(time.monotonic() + timeout, self.deadline)
        before = process.counters()
        started = time.perf_counter()
        try:
            process.send(payload, deadline)
            raw = process.receive(deadline)
            self.last_round_trip_s = time.perf_counter() - started
            reply = decode_message(raw, self._remote)
        except ChannelTimeout:
            cause = (self._wall_message() if time.monotonic() >= self.deadline
                     else f"{what} did not finish within {timeout:g} s")
            process.kill(cause)
            self._record_death(cause)
            raise WorkerDied(cause) from None
        except ChannelClosed:
            cause = process.exit_description()
            if what:
                cause = f"{cause}, during {what}"
            self._record_death(cause)
            raise WorkerDied(cause) from None
        except ProtocolError as exc:
            cause = f"the worker sent a malformed message during {what} ({exc}); it was stopped"
            process.kill(cause)
            self._record_death(cause)
            raise WorkerDied(cause) from None
        if reply.get("id") != request_id:
            shown = reply.get("id")
            shown = shown if type(shown) is int else printable(repr(shown)[:40])
            cause = (f"the worker answered a request that was never made (id {shown}) during {what}; "
                     "it was stopped")
            process.kill(cause)
            self._record_death(cause)
            raise WorkerDied(cause)
        self._keep_compat_notes(reply.get("notes"))
        notes = self._limit_notes(before, process.counters())
        for note in notes:
            process.output.note(note)
        if reply["type"] == "error":
            exc_type = printable(str(reply.get("exc_type", "Error"))[:100])
            text = _lines(str(reply.get("message", ""))[:_MESSAGE_CAP])
            notes = notes + [n for n in self._exception_notes(exc_type, text) if n not in notes]
            raise StudentCodeError(exc_type, text, _lines(str(reply.get("traceback", ""))[-_TRACEBACK_CAP:]),
                                   printable(str(reply.get("where", ""))[:300]), "; ".join(notes))
        if reply["type"] != "result":
            cause = f"the worker sent an unexpected {printable(str(reply['type'])[:40])!r} message; it was stopped"
            process.kill(cause)
            self._record_death(cause)
            raise WorkerDied(cause)
        return reply.get("value")

    # ----------------------------------------------------------------- notes

    def _keep_compat_notes(self, sent: Any) -> None:
        """What the sandbox's compatibility hooks did (``graderworker.compat.notes``), kept as text only."""
        if type(sent) is not list:
            return
        for note in sent[:_COMPAT_NOTES]:
            if type(note) is str and len(self.compat_notes) < _COMPAT_NOTES:
                text = printable(" ".join(note.split())[:500])
                if text and text not in self.compat_notes:
                    self.compat_notes.append(text)

    # ----------------------------------------------------------------- limit notes

    def _limit_notes(self, before: LimitCounters, after: LimitCounters) -> list[str]:
        """What the cgroup saw during one call, in words (empty without a cgroup)."""
        limits = self.limits
        notes = []
        if after.oom_kills > before.oom_kills:
            notes.append(f"a process of your code ran out of the {limits.describe_memory()} memory limit "
                         "and was killed")
        if after.pids_refused > before.pids_refused:
            notes.append(f"your code tried to start more than {limits.processes} processes and threads "
                         "(the limit); the extra ones were refused")
        return notes

    def _exception_notes(self, exc_type: str, message: str) -> list[str]:
        """The limit behind a student's exception, when its type and errno say so."""
        limits = self.limits
        if exc_type == "MemoryError":
            return [f"your code ran out of the {limits.describe_memory()} memory limit"]
        if "[Errno 24]" in message or "Too many open files" in message:
            return [f"your code opened more than {OPEN_FILES} files at once (the limit)"]
        if "[Errno 28]" in message or "No space left on device" in message:
            return [f"the workspace is full: the limit is {limits.describe_disk()} and {limits.files} files"]
        if "[Errno 27]" in message or "File too large" in message:
            return [f"your code wrote a file larger than the {limits.file_size_mb} MiB limit"]
        if (exc_type == "BlockingIOError" and "[Errno 11]" in message) or "can't start new thread" in message:
            return [f"your code tried to start more than {limits.processes} processes and threads (the limit)"]
        return []

    # ----------------------------------------------------------------- handles

    def _remote(self, handle: Handle) -> Any:
        from grader.checks.proxy import RemoteHandle

        return RemoteHandle(self, handle, self.generation, handle.type.rsplit(".", 1)[-1])

    def handle_for(self, remote: Any) -> Handle:
        """The wire handle of a ``RemoteHandle``, refusing one that belonged to a dead worker."""
        if remote._generation != self.generation or self._process is None or not self._process.alive():
            raise WorkerDied(f"{remote._path} belonged to a worker that has stopped")
        return remote._handle


def _lines(text: str) -> str:
    """Text from the worker made safe to show: no terminal escapes or bidi overrides, lines kept."""
    return "\n".join(printable(line.replace("\t", "    ")) for line in text.split("\n"))


def _refuse_local_objects(value: Any) -> Handle:
    from grader.checks.proxy import RemoteHandle

    if isinstance(value, RemoteHandle):
        return value._session.handle_for(value)
    raise ProtocolError(
        f"a {type(value).__name__} cannot be sent; only data (tensors, arrays, numbers, strings, "
        "lists, dicts) and objects that came from the student's side can"
    )
