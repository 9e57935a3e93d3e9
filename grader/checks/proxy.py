"""The ``student`` object hidden tests use: the student's code, reached through the worker.

``student.mlp`` imports ``mlp`` in the worker and returns a handle to it; attribute
access, calls, item access and attribute assignment on a handle are forwarded.
What comes back is a fresh local copy when it is data (tensors, arrays, numbers,
strings, containers of those) and another handle otherwise. ``student.probe.NAME``
reaches a grader-authored probe inside the worker.

Two helpers for checks that need more than values:

- ``student.read_file("plot.png")``: a file the worker wrote, read on the trusted side
  without following links (``grader.sandbox.files.read_worker_file``);
- ``time_call(fn, *args)``: how long a call into the student's code takes, measured by
  the grader's own clock from round trips, with the worker's own figure beside it
  (a student can patch ``time.perf_counter`` or the probes inside the worker; the
  grader's number is the one to use).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from grader.worker.protocol import Handle

if TYPE_CHECKING:
    from grader.checks.session import WorkerSession

__all__ = ["StudentProxy", "RemoteHandle", "CallTiming", "time_call", "HiddenTestBug"]



class RemoteHandle:
    """An object that lives in the worker. Its methods run there, its data comes back copied."""

    __slots__ = ("_session", "_handle", "_generation", "_path")

    def __init__(self, session: "WorkerSession", handle: Handle, generation: int, path: str):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_generation", generation)
        object.__setattr__(self, "_path", path)

    def _child(self, value: Any, path: str) -> Any:
        if isinstance(value, RemoteHandle):
            object.__setattr__(value, "_path", path)
        return value

    def _send(self, message: dict, what: str) -> Any:
        return self._session.request({**message, "target": self}, what=what)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        path = f"{self._path}.{name}"
        return self._child(self._send({"type": "getattr", "name": name}, f"reading {path}"), path)

    def __setattr__(self, name: str, value: Any) -> None:
        self._send({"type": "setattr", "name": name, "value": value}, f"setting {self._path}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        path = f"{self._path}(...)"
        return self._child(self._send({"type": "call", "args": list(args), "kwargs": kwargs}, f"calling {path}"), path)

    def __getitem__(self, key: Any) -> Any:
        path = f"{self._path}[{key!r}]"
        return self._child(self._send({"type": "getitem", "key": key}, f"reading {path}"), path)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._send({"type": "setitem", "key": key, "value": value}, f"setting {self._path}[{key!r}]")

    def __len__(self) -> int:
        length = self._send({"type": "getattr", "name": "__len__"}, f"len({self._path})")()
        if type(length) is not int:
            raise TypeError(f"len({self._path}) returned a {type(length).__name__}, not an int")
        return length

    def __iter__(self):  # type: ignore[no-untyped-def]
        raise TypeError(f"{self._path} lives in the sandbox and cannot be iterated from a test; "
                        "read what you need as data")

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<student {self._handle.type}: {self._handle.repr}>"


class HiddenTestBug(LookupError):
    """A hidden test used the grader wrongly (a probe that does not exist): a grader error."""


def _probe_names() -> frozenset[str]:
    """Every probe's name (the probe modules' ``__all__``, read from source: nothing is imported)."""
    from grader.worker import probes

    return probes.names()


class _ProbeNamespace:
    def __init__(self, session: "WorkerSession"):
        self._session = session

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in _probe_names():
            # a misspelled probe is a bug of the hidden test, never the student's: not a StudentCodeError
            raise HiddenTestBug(f"the hidden test asked for a probe named {name!r}, and there is none "
                                f"(probes: {', '.join(sorted(_probe_names()))})")
        probe = self._session.request({"type": "probe", "name": name}, what=f"finding probe {name}")
        if isinstance(probe, RemoteHandle):
            object.__setattr__(probe, "_path", f"probe.{name}")
        return probe


class StudentProxy:
    """``student.<module>`` for each module of the submission; ``student.probe.<name>`` for probes."""

    def __init__(self, session: "WorkerSession"):
        self._session = session
        self.probe = _ProbeNamespace(session)

    @contextlib.contextmanager
    def call_limit(self, seconds: float) -> Iterator[None]:
        """Let each call inside the block run up to ``seconds`` (a training run), still bounded by
        the submission's wall-clock limit; the rubric's ``call_s`` applies again afterwards."""
        if not seconds > 0:
            raise ValueError(f"call_limit needs a positive number of seconds, not {seconds!r}")
        previous = self._session.call_s
        self._session.call_s = float(seconds)
        try:
            yield
        finally:
            self._session.call_s = previous

    @property
    def notebook_run(self) -> Any:
        """For a notebook submission, the executor that ran it (its cells and their results); else None.

        A property of the proxy, not a name looked up in the student's code."""
        return getattr(self._session, "notebook", None)

    def read_file(self, relative: str, max_bytes: int = 16 * 1024 * 1024) -> bytes:
        """A file the student's code wrote in its workspace (links, FIFOs, hard links refused)."""
        return self._session.read_file(relative, max_bytes)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        module = self._session.request({"type": "import", "module": name}, what=f"importing {name}.py")
        if isinstance(module, RemoteHandle):
            object.__setattr__(module, "_path", name)
        return module

    def __repr__(self) -> str:
        return "<student code in the sandbox>"


#: how far below the grader's figure the worker's may be before it is called a disagreement
_CLOCK_SLACK_S = 0.010


@dataclass(frozen=True)
class CallTiming:
    """How long one call into the student's code takes; ``seconds`` is the figure to use."""

    #: best of the repeats, by the grader's clock, less the round trip of an empty request
    seconds: float
    #: what the worker's own clock said (best of its repeats); None when not asked
    worker_seconds: float | None
    #: best round trip of the call, and of an empty request, by the grader's clock
    round_trip_s: float
    overhead_s: float
    repeat: int
    #: set when the worker's clock disagrees with the grader's (a patched clock or probe)
    warning: str = ""


def time_call(fn: RemoteHandle, *args: Any, repeat: int = 3, warmup: int = 1,
              ask_worker: bool = True, **kwargs: Any) -> CallTiming:
    """Time ``fn(*args, **kwargs)`` in the worker with the grader's clock.

    The arguments are sent once and held in the worker, each call's result is dropped
    there (``discard``), so a round trip is the call plus a constant overhead, measured
    with an empty request and subtracted. With ``ask_worker`` the ``timed_call`` probe
    also times it inside; if it claims less than half of the grader's figure (beyond
    10 ms or three round trips of slack, whichever is more) ``warning`` says so: the
    worker's clock is not believed.
    """
    if not isinstance(fn, RemoteHandle):
        raise TypeError("time_call needs a function of the student's code (a value from `student`)")
    session = fn._session
    what = f"timing {fn._path}(...)"
    held_args = [session.request({"type": "hold", "value": a}, what=what) for a in args]
    held_kwargs = {k: session.request({"type": "hold", "value": v}, what=what) for k, v in kwargs.items()}
    overhead = math.inf
    for _ in range(3):
        session.request({"type": "ping"}, what=what)
        overhead = min(overhead, session.last_round_trip_s)
    call = {"type": "call", "target": fn, "args": held_args, "kwargs": held_kwargs, "discard": True}
    for _ in range(warmup):
        session.request(call, what=what)
    best = math.inf
    for _ in range(max(1, repeat)):
        session.request(call, what=what)
        best = min(best, session.last_round_trip_s)
    seconds = max(0.0, best - overhead)
    worker_seconds = None
    warning = ""
    if ask_worker:
        probe = session.request({"type": "probe", "name": "timed_call"}, what=what)
        claimed = probe(fn, *held_args, repeat=max(1, repeat), warmup=0, kwargs=held_kwargs)
        value = claimed.get("best_s") if isinstance(claimed, dict) else None
        if isinstance(value, (int, float)) and math.isfinite(value):
            worker_seconds = float(value)
        # a call of a few milliseconds is mostly the grader's scheduling noise on a busy host:
        # only a claim well below the grader's figure, beyond that noise, is called a disagreement
        slack = max(_CLOCK_SLACK_S, 3 * overhead)
        if worker_seconds is None or worker_seconds < 0.5 * seconds - slack:
            said = "nothing usable" if worker_seconds is None else f"{worker_seconds:.4g} s"
            warning = (f"the worker's own clock said {said} but the grader measured {seconds:.4g} s per call; "
                       "the grader's measurement is used")
    return CallTiming(seconds=seconds, worker_seconds=worker_seconds, round_trip_s=best, overhead_s=overhead,
                      repeat=repeat, warning=warning)
