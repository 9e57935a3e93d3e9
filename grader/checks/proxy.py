"""The ``student`` object hidden tests use: the student's code, reached through the worker.

``student.mlp`` imports ``mlp`` in the worker and returns a handle to it; attribute
access, calls, item access and attribute assignment on a handle are forwarded.
What comes back is a fresh local copy when it is data (tensors, arrays, numbers,
strings, containers of those) and another handle otherwise. ``student.probe.NAME``
reaches a grader-authored probe inside the worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grader.worker.protocol import Handle

if TYPE_CHECKING:
    from grader.checks.session import WorkerSession

__all__ = ["StudentProxy", "RemoteHandle"]


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


class _ProbeNamespace:
    def __init__(self, session: "WorkerSession"):
        self._session = session

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        probe = self._session.request({"type": "probe", "name": name}, what=f"finding probe {name}")
        if isinstance(probe, RemoteHandle):
            object.__setattr__(probe, "_path", f"probe.{name}")
        return probe


class StudentProxy:
    """``student.<module>`` for each module of the submission; ``student.probe.<name>`` for probes."""

    def __init__(self, session: "WorkerSession"):
        self._session = session
        self.probe = _ProbeNamespace(session)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        module = self._session.request({"type": "import", "module": name}, what=f"importing {name}.py")
        if isinstance(module, RemoteHandle):
            object.__setattr__(module, "_path", name)
        return module

    def __repr__(self) -> str:
        return "<student code in the sandbox>"
