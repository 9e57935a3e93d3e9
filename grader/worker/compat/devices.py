"""CUDA devices asked for by the student's code, run on the CPU when the grader has no GPU.

Starters hard-code devices (nyu-dl-hw1's ``DEVICE = "cuda"`` in some years) and students write
``.cuda()``, ``.to("cuda")``, ``torch.zeros(..., device="cuda")``, ``model.to(torch.device("cuda"))``.
Where ``torch.cuda.is_available()`` is False, a ``TorchFunctionMode`` maps each of them to the
CPU: a ``device=`` argument of any torch function, the device of ``Tensor.to`` (string, ``torch.device``
or index), ``Tensor.cuda`` (the tensor on the CPU) and ``Tensor.pin_memory`` (the tensor itself);
``nn.Module.to``/``.cuda`` go through those. ``torch.cuda.synchronize`` becomes a no-op. Where a GPU
is present nothing changes.

The mode costs a Python call per torch call, so it is switched on only for a workspace whose
sources mention ``cuda`` (``enable_if_mentioned``), when torch is first imported there or at once
if it already is (a warm worker's torch). Each mapping is recorded once as a note for the report
("your code asked for the cuda device (at gd.py:12) ...").

``torch.load`` of a checkpoint saved from a GPU fails on a CPU-only machine without
``map_location``; it is retried with ``map_location="cpu"`` (and noted) whatever the sources say.
"""

from __future__ import annotations

import os
from types import ModuleType
TYPE_CHECKING = False  # typing costs 2 ms at every start of a sandboxed Python
if TYPE_CHECKING:
    from typing import Any

from . import notes

__all__ = ["mentions_cuda", "enable_if_mentioned", "enable", "patch_load", "enabled"]

_SCAN_FILE_BYTES = 2 * 1024 * 1024
_SCAN_BUDGET = 32 * 1024 * 1024
_SCAN_FILES = 2000
_SCAN_DIRS = 500
_state: dict[str, Any] = {"mode": None, "wanted": False}


def mentions_cuda(workspace: str) -> bool:
    """Whether a ``.py`` or ``.ipynb`` file of ``workspace`` says ``cuda`` (bounded read, links skipped)."""
    budget, seen = _SCAN_BUDGET, 0
    for visited, (folder, dirs, files) in enumerate(os.walk(workspace)):
        if visited >= _SCAN_DIRS:
            return False
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"
                   and not os.path.islink(os.path.join(folder, d))]
        for name in files:
            if not name.endswith((".py", ".ipynb")):
                continue
            path = os.path.join(folder, name)
            if os.path.islink(path):
                continue
            seen += 1
            if budget <= 0 or seen > _SCAN_FILES:
                return False
            try:
                with open(path, "rb") as fh:
                    data = fh.read(min(_SCAN_FILE_BYTES, budget))
            except OSError:
                continue
            budget -= len(data)
            if b"cuda" in data:
                return True
    return False


def enabled() -> bool:
    return _state["mode"] is not None


def enable_if_mentioned(workspace: str) -> None:
    """Map CUDA to the CPU for this workspace's code if it mentions cuda and there is no GPU."""
    if _state["wanted"] or not mentions_cuda(workspace):
        return
    _state["wanted"] = True
    from ._hooks import finder

    finder.after("torch", enable)


def enable(torch: ModuleType) -> None:
    """Push the mapping mode (once) unless CUDA works here."""
    if _state["mode"] is not None or torch.cuda.is_available():
        return
    mode = _make_mode(torch)
    mode.__enter__()
    _state["mode"] = mode
    torch.cuda.synchronize = _synchronize


def _synchronize(device: Any = None) -> None:
    """No GPU, nothing to wait for."""


def _is_cuda(device: Any) -> bool:
    if isinstance(device, str):
        return device.strip().lower().startswith("cuda")
    return getattr(device, "type", None) == "cuda"


def _describe(device: Any) -> str:
    return f"CUDA device {device}" if type(device) is int else f"the {device} device"


def _noted(what: str) -> None:
    if _state.get("noted"):
        return
    _state["noted"] = True
    notes.record("device", f"your code asked for {what}{notes.at()}; this grader has no GPU, so it ran on the CPU "
                 "(the same code uses the GPU where there is one)")


def _make_mode(torch: ModuleType) -> Any:
    from torch.overrides import TorchFunctionMode

    tensor = torch.Tensor
    to, cuda, pin = tensor.to, tensor.cuda, tensor.pin_memory

    class CpuForCuda(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            if kwargs:
                device = kwargs.get("device")
                if device is not None and (_is_cuda(device) or (func is to and type(device) is int)):
                    kwargs = {**kwargs, "device": "cpu"}
                    _noted(_describe(device))
            else:
                kwargs = {}
            if func is to:
                asked = [a for a in args[1:] if _is_cuda(a) or type(a) is int]
                if asked:
                    _noted(_describe(asked[0]))
                    args = (args[0],) + tuple("cpu" if _is_cuda(a) or type(a) is int else a for a in args[1:])
            elif func is cuda:
                _noted(".cuda()")
                return args[0].cpu()
            elif func is pin:
                return args[0]
            return func(*args, **kwargs)

    return CpuForCuda()


def patch_load(torch: ModuleType) -> None:
    """``torch.load`` retries a GPU checkpoint with ``map_location="cpu"`` where CUDA is missing."""
    load = torch.load

    def load_on_cpu(f: Any, map_location: Any = None, *args: Any, **kwargs: Any) -> Any:
        if map_location is not None or torch.cuda.is_available():
            return load(f, map_location, *args, **kwargs)
        try:
            return load(f, None, *args, **kwargs)
        except RuntimeError as exc:
            if "CUDA" not in str(exc) or not hasattr(f, "seek") and not isinstance(f, (str, os.PathLike)):
                raise
            if hasattr(f, "seek"):
                f.seek(0)
            notes.record("device-load", f"a checkpoint saved on a GPU was loaded on the CPU{notes.at()} "
                         "(torch.load with map_location='cpu'): this grader has no GPU")
            return load(f, "cpu", *args, **kwargs)

    load_on_cpu.__doc__ = load.__doc__
    load_on_cpu.__wrapped__ = load  # type: ignore[attr-defined]
    torch.load = load_on_cpu
