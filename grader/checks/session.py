"""The trusted side of one submission's worker: requests, deadlines, deaths and restarts.

Exceptions (what a hidden test can see raised out of a ``student`` call)::

    GradingError
     ├── StudentCodeError   the student's code raised; carries its type, message, their traceback
     └── WorkerDied         the worker is gone (limit hit, crash, exit, malformed message)

A session starts its worker lazily on a fresh copy of the workspace, seeds it before
each test, and restarts it after a death, up to ``MAX_DEATHS`` times per submission.
The wall-clock budget (``Limits.wall_s``) covers the whole submission.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from grader.sandbox import Backend, SandboxSpec, WorkerProcess, spawn
from grader.sandbox.limits import Limits
from grader.sandbox.process import ChannelClosed, ChannelTimeout
from grader.worker.protocol import Handle, ProtocolError, decode_message, encode_message

__all__ = ["GradingError", "StudentCodeError", "WorkerDied", "WorkerSession", "MAX_DEATHS"]

#: after this many worker deaths the remaining tests of the submission fail at once
MAX_DEATHS = 3
#: the worker's start (Python, torch) must finish within this, on top of nothing else
STARTUP_S = 60.0


class GradingError(Exception):
    """Base of what a ``student`` call can raise on the trusted side."""


class StudentCodeError(GradingError):
    """The student's code raised an exception inside the worker."""

    def __init__(self, exc_type: str, message: str, traceback: str, where: str):
        self.exc_type = exc_type
        self.message = message
        self.student_traceback = traceback
        self.where = where
        location = f" (at {where})" if where else ""
        super().__init__(f"{exc_type}{location}: {message}")

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


class WorkerSession:
    """Owns at most one live worker at a time for one submission."""

    def __init__(self, backend: Backend, workspace: Path, limits: Limits,
                 ro_binds: tuple[tuple[Path, str], ...] = ()):
        self.backend = backend
        self.workspace = workspace
        self.limits = limits
        self.ro_binds = ro_binds
        self.deaths = 0
        self.death_causes: list[str] = []
        self.generation = 0
        self._process: WorkerProcess | None = None
        self._scratch = Path(tempfile.mkdtemp(prefix="grader-run-"))
        self._ids = itertools.count(1)
        self._started = time.monotonic()
        self.deadline = self._started + limits.wall_s

    # ----------------------------------------------------------------- lifetime

    @property
    def output(self):  # type: ignore[no-untyped-def]
        return self._process.output if self._process else None

    def ensure_worker(self) -> None:
        """Start a worker if none is alive; refuse once the budget or the death count is spent."""
        if self._process is not None and self._process.alive():
            return
        if self._process is not None:
            self._record_death(self._process.exit_description())
        self._check_budget()
        copy = self._scratch / f"workspace-{self.generation + 1}"
        shutil.copytree(self.workspace, copy, symlinks=True)
        spec = SandboxSpec(workspace=copy, limits=self.limits, ro_binds=self.ro_binds)
        self._process = spawn(self.backend, spec)
        self.generation += 1
        self._request({"type": "ping"}, timeout=STARTUP_S, what="starting Python in the sandbox")

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

    def close(self) -> None:
        if self._process is not None:
            self._process.close()
            self._process = None
        shutil.rmtree(self._scratch, ignore_errors=True)

    # ----------------------------------------------------------------- requests

    def seed(self, seed: int) -> None:
        self.request({"type": "seed", "seed": seed}, what="seeding the random generators")

    def request(self, message: dict, *, what: str) -> Any:
        """Send one request to a live worker and return its decoded value."""
        self.ensure_worker()
        return self._request(message, timeout=self.limits.call_s, what=what)

    def _request(self, message: dict, *, timeout: float, what: str) -> Any:
        process = self._process
        assert process is not None
        request_id = next(self._ids)
        deadline = min(time.monotonic() + timeout, self.deadline)
        try:
            payload = encode_message({**message, "id": request_id}, _refuse_local_objects)
        except ProtocolError as exc:
            raise GradingError(f"cannot pass that to the student's code: {exc}") from None
        try:
            process.send(payload, deadline)
            reply = decode_message(process.receive(deadline), self._remote)
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
            cause = f"the worker answered a request that was never made (id {reply.get('id')!r}); it was stopped"
            process.kill(cause)
            self._record_death(cause)
            raise WorkerDied(cause)
        if reply["type"] == "error":
            raise StudentCodeError(str(reply.get("exc_type", "Error"))[:100], str(reply.get("message", "")),
                                   str(reply.get("traceback", "")), str(reply.get("where", "")))
        if reply["type"] != "result":
            cause = f"the worker sent an unexpected {reply['type']!r} message; it was stopped"
            process.kill(cause)
            self._record_death(cause)
            raise WorkerDied(cause)
        return reply.get("value")

    def _remote(self, handle: Handle) -> Any:
        from grader.checks.proxy import RemoteHandle

        return RemoteHandle(self, handle, self.generation, handle.type.rsplit(".", 1)[-1])

    def handle_for(self, remote: Any) -> Handle:
        """The wire handle of a ``RemoteHandle``, refusing one that belonged to a dead worker."""
        if remote._generation != self.generation or self._process is None or not self._process.alive():
            raise WorkerDied(f"{remote._path} belonged to a worker that has stopped")
        return remote._handle


def _refuse_local_objects(value: Any) -> Handle:
    from grader.checks.proxy import RemoteHandle

    if isinstance(value, RemoteHandle):
        return value._session.handle_for(value)
    raise ProtocolError(
        f"a {type(value).__name__} cannot be sent; only data (tensors, arrays, numbers, strings, "
        "lists, dicts) and objects that came from the student's side can"
    )
