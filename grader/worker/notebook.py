"""Notebook mode of the worker: runs a notebook's code cells, one request each, in one namespace.

The cells run in an IPython ``InteractiveShell`` inside this process (the engine a Jupyter
kernel runs on: magics, ``display()``, the value of a cell's last line), so the
namespace they fill is the one the worker serves: ``student.my_model`` (or
``student.notebook.my_model``) is the ``my_model`` the notebook defined. No ZMQ kernel,
no sockets: nothing in the sandbox needs to change.

Each cell runs under a per-cell timer (``SIGALRM``) that raises ``CellTimeout`` in the
cell's code; a cell that ignores it is killed by the trusted side's deadline. Outputs are
returned as nbformat-shaped dicts, capped here (and checked again on the trusted side):
streams, the last expression's value, ``display()`` data and matplotlib figures, as
``text/plain`` and PNG/JPEG only (no HTML or scripts from the student reach the report).

Colab-only lines (``!pip install``, ``%pip``, ``%matplotlib inline``, ``drive.mount``) are skipped
and listed in the report (``compat.colab``); a missing module's error says what to do
(``compat.missing``).

This module runs inside the sandbox: it imports nothing from ``grader``.
"""

from __future__ import annotations

import base64
import io
import os
import signal
import sys
import time
import traceback
import types
from typing import Any

from .compat import colab, missing

__all__ = ["NotebookKernel", "CellTimeout", "CELL_FILENAME"]

#: how a cell's code is named in tracebacks and in ``where`` ("<notebook cell 7>")
CELL_FILENAME = "<notebook cell {}>"
_STREAM_CAP = 20_000
_TEXT_CAP = 4_000
_IMAGES_PER_CELL = 12
_IMAGE_CAP = 2 * 1024 * 1024
_KEPT_MIME = ("text/plain", "image/png", "image/jpeg")


class CellTimeout(BaseException):
    """Raised inside a cell that ran past its timeout (a BaseException: ``except Exception`` keeps it)."""


class _CappedStream(io.TextIOBase):
    def __init__(self, name: str, cap: int):
        self.name = name
        self.cap = cap
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: Any) -> int:
        text = str(text)
        room = self.cap - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def value(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n[output cut: {self.dropped} more characters were dropped]\n"
        return text


class NotebookKernel:
    """One IPython shell whose namespace is the notebook's; ``run_cell`` answers one request."""

    def __init__(self) -> None:
        os.environ.setdefault("MPLBACKEND", "Agg")
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False
        config.InteractiveShell.colors = "nocolor"
        config.InteractiveShell.xmode = "Plain"
        self.module = types.ModuleType("notebook", "The submitted notebook's namespace")
        self.shell = InteractiveShell(config=config, user_module=self.module)
        self.namespace: dict[str, Any] = self.shell.user_ns
        self._outputs: list[dict] = []
        self._current = -1
        self.failed_cells: list[int] = []
        _install_capture(self)
        colab.install_shell(self.shell)  # Colab-only lines (!pip, %pip, drive.mount) skipped and noted

    # ----------------------------------------------------------------- cells

    def run_cell(self, index: int, source: str, timeout_s: float) -> dict:
        """Run one code cell; answers ``{status, outputs, duration_s, error}`` as plain data."""
        self._outputs = []
        self._current = index
        out, err = _CappedStream("stdout", _STREAM_CAP), _CappedStream("stderr", _STREAM_CAP)
        saved = sys.stdout, sys.stderr
        previous = signal.signal(signal.SIGALRM, _raise_timeout(index, timeout_s))
        started = time.perf_counter()
        sys.stdout, sys.stderr = out, err
        try:
            signal.setitimer(signal.ITIMER_REAL, max(0.001, float(timeout_s)))
            result = self.shell.run_cell(source, store_history=True)
        except CellTimeout as exc:  # raised outside the cell's own code (between its statements)
            result = None
            error = exc
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            sys.stdout, sys.stderr = saved
        duration = time.perf_counter() - started
        if result is not None:
            error = result.error_before_exec or result.error_in_exec
        self._flush_figures()
        outputs = []
        for name, stream in (("stdout", out), ("stderr", err)):
            text = stream.value()
            if text:
                outputs.append({"output_type": "stream", "name": name, "text": text})
        outputs.extend(self._outputs)
        status = "ok"
        error_data = None
        if error is not None:
            status = "timeout" if isinstance(error, CellTimeout) else "error"
            error_data = _error_output(error, index)
            outputs.append(error_data)
            self.failed_cells.append(index)
        return {"status": status, "outputs": outputs, "duration_s": duration, "error": error_data}

    def lookup(self, name: str) -> Any:
        """``student.<name>``: ``notebook`` is the namespace itself, other names its variables."""
        if name == "notebook":
            return self.module
        if name in self.namespace and not name.startswith("_"):
            return self.namespace[name]
        failed = ""
        if self.failed_cells:
            failed = (" Cells that raised an error or timed out: "
                      + ", ".join(str(i) for i in self.failed_cells) + ".")
        raise NameError(f"the notebook defines no {name!r} after running all its cells.{failed} "
                        f"Define {name} in a code cell, as the template names it.")

    # ----------------------------------------------------------------- outputs

    def publish(self, data: dict, kind: str = "display_data") -> None:
        if len(self._outputs) >= 50:
            return
        kept = _keep_mime(data)
        if not kept:
            return
        if any(k.startswith("image/") for k in kept):
            images = sum(1 for o in self._outputs if any(k.startswith("image/") for k in o["data"]))
            if images >= _IMAGES_PER_CELL:
                return
        output = {"output_type": kind, "data": kept, "metadata": {}}
        if kind == "execute_result":
            output["execution_count"] = self.shell.execution_count
        self._outputs.append(output)

    def _flush_figures(self) -> None:
        """Show every open matplotlib figure as a PNG, as Jupyter's inline backend does, then close it."""
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is None:
            return
        try:
            for number in list(plt.get_fignums()):
                figure = plt.figure(number)
                buffer = io.BytesIO()
                figure.savefig(buffer, format="png", dpi=72, bbox_inches="tight")
                self.publish({"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
                              "text/plain": f"<Figure {number}>"})
            plt.close("all")
        except Exception as exc:  # noqa: BLE001 - a broken figure must not stop the notebook
            self._outputs.append({"output_type": "stream", "name": "stderr",
                                  "text": f"[a figure could not be drawn: {type(exc).__name__}: {exc}]\n"[:_TEXT_CAP]})


def _install_capture(kernel: NotebookKernel) -> None:
    """Route the shell's display hook, ``display()`` and cell names to ``kernel``."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher

    shell = kernel.shell

    class _Hook(DisplayHook):
        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict: dict, md_dict: Any = None) -> None:
            kernel.publish(format_dict, "execute_result")

        def finish_displayhook(self) -> None:
            pass

    class _Publisher(DisplayPublisher):
        def publish(self, data: Any, metadata: Any = None, *args: Any, **kwargs: Any) -> None:
            if isinstance(data, dict):
                kernel.publish(data)

    shell.displayhook = _Hook(shell=shell, cache_size=0, parent=shell)
    shell.display_trap.hook = shell.displayhook
    shell.display_pub = _Publisher(shell=shell, parent=shell)
    # errors become an ``error`` output (``_error_output``), not text printed into the cell's streams
    shell.showtraceback = lambda *args, **kwargs: None
    shell.showsyntaxerror = lambda *args, **kwargs: None
    compiler = shell.compile
    compiler.get_code_name = lambda raw, transformed, number: CELL_FILENAME.format(kernel._current)


def _keep_mime(data: dict) -> dict:
    kept: dict[str, str] = {}
    for mime in _KEPT_MIME:
        value = data.get(mime)
        if isinstance(value, bytes) and mime.startswith("image/"):
            value = base64.b64encode(value).decode("ascii")
        if not isinstance(value, str):
            continue
        if mime.startswith("image/"):
            if len(value) <= _IMAGE_CAP:
                kept[mime] = value.replace("\n", "")
        else:
            kept[mime] = value[:_TEXT_CAP]
    return kept


def _raise_timeout(index: int, timeout_s: float):  # type: ignore[no-untyped-def]
    def handler(signum: int, frame: Any) -> None:
        raise CellTimeout(f"cell {index} did not finish within {timeout_s:g} s (the per-cell time limit); "
                          "it was stopped")
    return handler


def _error_output(exc: BaseException, index: int) -> dict:
    """An ``error`` output with the cell frames only: the traceback points at the student's lines."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<notebook cell ")]
    lines = [f"  {f.filename[1:-1]}, line {f.lineno}, in {f.name}\n    {(f.line or '').strip()}\n" for f in frames]
    if isinstance(exc, SyntaxError):
        lines.append(f"  cell {index}, line {exc.lineno}\n    {(exc.text or '').rstrip()}\n")
    try:
        message = missing.message_for(exc, str(exc))
    except BaseException:  # noqa: BLE001 - a student's exception may break __str__
        message = "<message could not be shown>"
    name = type(exc).__name__
    return {"output_type": "error", "ename": name[:200], "evalue": message[:_TEXT_CAP],
            "traceback": [line[:_TEXT_CAP] for line in lines[-20:]] + [f"{name}: {message}"[:_TEXT_CAP]]}
