"""The worker: runs inside the sandbox, imports the student's code and answers requests.

Started as ``python -m graderworker --fd-in N --fd-out M`` with the workspace as its
working directory. It owns every object the student's code creates; the trusted side
sees them only as handles (ids into ``_Server.objects``). Requests:

``import``   import a module of the workspace (``{"module": "mlp"}``)
``probe``    a grader-authored helper from ``probes`` (``{"name": "imagenet_standin"}``)
``getattr`` / ``setattr`` / ``getitem`` / ``setitem`` / ``call``   on a handle
``seed``     seed ``random``, and numpy and torch now if imported, else the moment they are
``hold``     keep a value here and answer with its handle (inputs reused by timed calls)
``release``  forget handles; ``ping``: flush output and answer; ``shutdown``
``nb_start`` / ``nb_cell``   notebook mode (``notebook.py``): start the notebook's shell, run one
             code cell (``{"index", "source", "timeout_s"}``); afterwards ``import`` of a name
             answers the notebook's variable of that name (``notebook`` is the whole namespace)

A ``call`` with ``"discard": true`` answers ``None`` instead of the value (the grader
times the call itself and does not want the result's transfer in the time).

Every reply is ``{"type": "result", "id", "value"}`` or ``{"type": "error", "id",
"exc_type", "message", "traceback", "where"}``; the traceback keeps only the
student's own frames, and a missing module's message says what to do (``compat.missing``).
A reply may also carry ``"notes"``: what the compatibility hooks (``compat``) did since the
last reply ("your code asked for the cuda device ..."), for the report.

torch is imported only when the code needs it (``--preload torch`` when the grader
saw ``import torch`` in the submission, or the first tensor that arrives): a
submission without torch starts in a tenth of the time. Whenever numpy or torch is
first imported, an import hook seeds it with the current seed, so a lazy import
does not make a run less deterministic.

If the channel to the grader breaks (the student's code closed or replaced its file
descriptors), the worker exits with status 86 so the grader can say so.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import sys
import traceback
from types import ModuleType
from typing import Any

from . import compat, probes
from .compat import missing as compat_missing
from .compat import notes as compat_notes
from . import sources
from .protocol import Handle, ProtocolError, decode_message, encode_message, read_frame, safe_repr, write_frame

#: requests from the trusted side are small except for input tensors
MAX_REQUEST_BYTES = 1 << 30
#: exit status when the channel to the grader is broken (grader.sandbox.process.CHANNEL_BROKEN_EXIT)
CHANNEL_BROKEN_EXIT = 86
#: how a notebook cell's code is named in tracebacks (``notebook.CELL_FILENAME``)
_CELL_PREFIX = "<notebook cell "


class _ImportHook:
    """A meta path finder that finishes numpy and torch right after their first import:
    seeds them with the current seed and sets torch's thread count."""

    modules = ("numpy", "torch")

    def __init__(self) -> None:
        self.seed: int | None = None
        self.threads = 1

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in self.modules or name in sys.modules:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _FinishingLoader(spec.loader, name, self)
        return spec

    def finish(self, name: str, module: Any) -> None:
        try:
            if name == "torch":
                module.set_num_threads(self.threads)
            if self.seed is None:
                return
            if name == "numpy":
                module.random.seed(self.seed % 2**32)
            elif name == "torch":
                module.manual_seed(self.seed)
        except Exception:  # noqa: BLE001 - a half-imported or patched module must not break the import
            pass


class _FinishingLoader:
    """Wraps a module's loader for one import; the module itself keeps the original loader."""

    def __init__(self, loader: Any, name: str, hook: _ImportHook):
        self._loader = loader
        self._name = name
        self._hook = hook

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        module.__loader__ = self._loader
        if getattr(module, "__spec__", None) is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        self._hook.finish(self._name, module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


_hook = _ImportHook()


class _Server:
    def __init__(self, fd_in: int, fd_out: int, workspace: str):
        self.fd_in = fd_in
        self.fd_out = fd_out
        self.workspace = os.path.realpath(workspace)
        self.objects: dict[int, Any] = {}
        self._ids: dict[int, int] = {}  # id(obj) -> handle id, so one object keeps one handle
        self._next = 1
        self.notebook: Any = None  # a notebook.NotebookKernel once ``nb_start`` came
        #: only this process talks on the channel (not a process the student's code forked)
        self.pid = os.getpid()

    # ----------------------------------------------------------------- handles

    def handle_for(self, obj: Any) -> Handle:
        key = id(obj)
        hid = self._ids.get(key)
        if hid is None or self.objects.get(hid) is not obj:
            hid = self._next
            self._next += 1
            self.objects[hid] = obj
            self._ids[key] = hid
        return Handle(hid, _type_name(obj), safe_repr(obj))

    def resolve(self, handle: Handle) -> Any:
        try:
            return self.objects[handle.id]
        except KeyError:
            raise ProtocolError(f"unknown handle {handle.id}") from None

    # ----------------------------------------------------------------- dispatch

    def dispatch(self, msg: dict) -> Any:
        kind = msg["type"]
        if kind == "ping":
            return "pong"
        if kind == "seed":
            return _seed_everything(int(msg["seed"]))
        if kind == "hold":
            return self.handle_for(msg.get("value"))
        if kind == "import":
            if self.notebook is not None:
                return self.notebook.lookup(str(msg["module"]))
            return self._import(str(msg["module"]))
        if kind == "nb_start":
            if self.notebook is None:
                from .notebook import NotebookKernel

                self.notebook = NotebookKernel()
            return None
        if kind == "nb_cell":
            if self.notebook is None:
                raise ProtocolError("nb_cell before nb_start")
            return self.notebook.run_cell(int(msg["index"]), str(msg["source"]), float(msg["timeout_s"]))
        if kind == "probe":
            name = str(msg["name"])
            return _probe(name)
        target = msg.get("target")
        if kind == "getattr":
            return getattr(target, str(msg["name"]))
        if kind == "setattr":
            setattr(target, str(msg["name"]), msg.get("value"))
            return None
        if kind == "getitem":
            return target[msg.get("key")]
        if kind == "setitem":
            target[msg.get("key")] = msg.get("value")
            return None
        if kind == "call":
            value = target(*msg.get("args", []), **msg.get("kwargs", {}))
            return None if msg.get("discard") is True else value
        if kind == "release":
            for hid in msg.get("ids", []):
                obj = self.objects.pop(hid, None)
                if obj is not None:
                    self._ids.pop(id(obj), None)
            return None
        raise ProtocolError(f"unknown request type {kind!r}")

    def _import(self, name: str) -> ModuleType:
        if not name.replace("_", "a").replace(".", "a").isalnum():
            raise ImportError(f"{name!r} is not a module name")
        return importlib.import_module(name)

    # ----------------------------------------------------------------- loop

    def serve(self) -> None:
        while True:
            try:
                payload = read_frame(self.fd_in, MAX_REQUEST_BYTES)
            except EOFError:
                return
            except OSError:
                _channel_broken()
            msg = decode_message(payload, self.resolve)
            request_id = msg.get("id")
            if msg["type"] == "shutdown":
                self._reply({"type": "result", "id": request_id, "value": None})
                return
            try:
                value = self.dispatch(msg)
                reply = {"type": "result", "id": request_id, "value": value}
            except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt from student code included
                reply = self._error(request_id, exc)
            if os.getpid() != self.pid:
                # a child the student's code forked came back out of it (returned or raised): it
                # must neither answer for the worker nor read its next request
                _flush_streams()
                os._exit(0)
            _flush_streams()
            self._reply(reply)

    def _reply(self, reply: dict) -> None:
        new_notes = compat_notes.take_new()  # what the compatibility hooks did, for the report
        if new_notes:
            reply["notes"] = new_notes
        try:
            payload = encode_message(reply, self.handle_for)
        except BaseException as exc:  # noqa: BLE001 - encoding touches student objects
            payload = encode_message({**self._error(reply.get("id"), exc), "notes": new_notes})
        try:
            write_frame(self.fd_out, payload)
        except OSError:
            _channel_broken()

    def _error(self, request_id: Any, exc: BaseException) -> dict:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if self._is_student_file(f.filename)]
        where = ""
        if frames:
            last = frames[-1]
            if last.filename.startswith(_CELL_PREFIX):
                where = f"{last.filename[1:-1]}, line {last.lineno}"
            else:
                where = f"{os.path.relpath(last.filename, self.workspace)}:{last.lineno}"
        if isinstance(exc, SyntaxError) and exc.filename and self._is_student_file(exc.filename):
            where = f"{os.path.relpath(exc.filename, self.workspace)}:{exc.lineno}"
        text = "".join(traceback.format_list(frames)).replace(self.workspace + os.sep, "")
        if isinstance(exc, SyntaxError):
            text += "".join(traceback.format_exception_only(type(exc), exc)).replace(self.workspace + os.sep, "")
        if isinstance(exc, SystemExit):
            message = f"the code called sys.exit({safe_repr(exc.code)})"
        else:
            message = compat_missing.message_for(exc, _safe_str(exc))
        return {
            "type": "error",
            "id": request_id,
            "exc_type": type(exc).__name__,
            "message": message[:4000],
            "traceback": text[-8000:],
            "where": where,
        }

    def _is_student_file(self, filename: str) -> bool:
        if self.notebook is not None and filename.startswith(_CELL_PREFIX):
            return True
        if not filename or filename.startswith("<"):  # <frozen importlib._bootstrap>, <string>
            return False
        return os.path.realpath(filename).startswith(self.workspace + os.sep)


def _probe(name: str) -> Any:
    # the common probes first, then only the module that lists the name (never every homework's)
    common = importlib.import_module(f"{probes.__name__}.common")
    if name in getattr(common, "__all__", ()):
        return getattr(common, name)
    module = probes.module_of(name)
    if module is not None and name in getattr(module, "__all__", ()):
        return getattr(module, name)
    raise AttributeError(f"no probe named {name!r}")


def _seed_everything(seed: int) -> None:
    """Seed ``random`` now, numpy and torch now if imported (else the import hook does it)."""
    _hook.seed = seed
    random.seed(seed)
    for name in _hook.modules:
        module = sys.modules.get(name)
        if module is not None:
            _hook.finish(name, module)


def _channel_broken() -> None:
    os._exit(CHANNEL_BROKEN_EXIT)


def _importable(name: str) -> bool:
    try:
        importlib.import_module(name)
        return True
    except ImportError:
        return False


def _type_name(obj: Any) -> str:
    cls = type(obj)
    return f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', cls.__name__)}"[:200]


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except BaseException:  # noqa: BLE001 - a student's exception may break __str__
        return f"<{type(exc).__name__} whose message could not be shown>"


def _flush_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - student code may have replaced or closed them
            pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="graderworker")
    parser.add_argument("--fd-in", type=int, required=True)
    parser.add_argument("--fd-out", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--preload", default="", help="modules to import before serving, e.g. torch,numpy")
    args = parser.parse_args(argv)

    install_import_hook(args.threads)
    for name in filter(None, args.preload.split(",")):
        if name in ("torch", "numpy"):
            _importable(name)
    serve_channel(args.fd_in, args.fd_out, os.getcwd())


def install_import_hook(threads: int) -> None:
    """Seed numpy and torch, and set torch's threads, whenever they are imported (see ``_ImportHook``)."""
    sys.dont_write_bytecode = True
    compat.install()  # normally done by sitecustomize already
    _hook.threads = threads
    if _hook not in sys.meta_path:
        sys.meta_path.insert(0, _hook)


def serve_channel(fd_in: int, fd_out: int, workspace: str) -> None:
    """Answer requests on the channel until it ends, with the student's code importable from ``workspace``."""
    sys.path.insert(0, workspace)
    sources.install(workspace)  # the workspace's modules load from their checked .py files only
    compat.activate(workspace)
    # Keep the channel off the low fds a student's code would naturally touch.
    fd_in, fd_out, old = os.dup(fd_in), os.dup(fd_out), (fd_in, fd_out)
    for fd in old:
        os.close(fd)
    os.set_inheritable(fd_in, False)
    os.set_inheritable(fd_out, False)
    _Server(fd_in, fd_out, workspace).serve()
