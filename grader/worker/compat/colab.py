"""Colab-only lines in a student's notebook (or a ``.py`` exported from one): they neither fail
the run nor reach the network, and each is listed in the report.

- ``google.colab`` is a stand-in package: ``drive.mount(...)``, ``drive.flush_and_unmount()``,
  ``files.upload()`` (answers ``{}``), ``files.download(...)``, ``output.clear()``,
  ``patches.cv2_imshow(...)``, ``auth.authenticate_user()`` do nothing and say so in a note;
- in the notebook shell (``install_shell``): ``!`` shell lines (``!pip install ...``, ``!wget ...``,
  ``files = !ls``), the ``%pip``/``%conda``/``%sx``/``%system`` magics and the ``%%bash``/``%%sh``/
  ``%%shell``/``%%script`` cells are skipped (the sandbox runs no shell commands and has no
  network; the packages the courses use are installed); ``%matplotlib inline`` is skipped (figures
  are shown after each cell anyway); ``%cd`` into ``/content/drive`` is skipped (the notebook stays
  in the submission's folder); ``%%capture`` runs as in Jupyter (its output is hidden) and is
  listed;
- ``/content`` (Colab's working folder) is the submission's folder inside the bwrap sandbox (a link
  made by the backend), so ``/content/model.pt`` and ``/content/data.csv`` are the workspace's files.

Each note names the cell and line: ``skipped !pip install torch (at cell 3, line 1): ...``.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from . import notes

__all__ = ["make_package", "install_shell", "SKIPPED_LINE_MAGICS", "SKIPPED_CELL_MAGICS"]

SKIPPED_LINE_MAGICS = ("pip", "conda", "mamba", "sx", "system")
SKIPPED_CELL_MAGICS = ("bash", "sh", "shell", "script", "sx", "system")
_NO_SHELL = "the grading sandbox runs no shell commands and has no network (the packages the course uses are installed)"


def _skipped(line: str, why: str, verb: str = "skipped") -> None:
    line = " ".join(line.split())[:120]
    place = notes.where(2)
    notes.record(f"colab:{place}:{line}", f"{verb} {line}" + (f" (at {place})" if place else "") + f": {why}")


def make_package() -> ModuleType:
    """``google.colab`` and its submodules, registered in ``sys.modules``."""
    package = ModuleType("google.colab", "The grader's stand-in for Colab's helpers (they do nothing here).")
    package.__path__ = []  # type: ignore[attr-defined]

    def submodule(name: str, **functions: Any) -> ModuleType:
        module = ModuleType(f"google.colab.{name}")
        for key, fn in functions.items():
            fn.__name__ = key
            setattr(module, key, fn)
        sys.modules[module.__name__] = module
        setattr(package, name, module)
        return module

    def mount(mountpoint: str = "/content/drive", force_remount: bool = False, *args: Any, **kwargs: Any) -> None:
        _skipped(f"drive.mount({mountpoint!r})", "Google Drive is not available while grading; your notebook runs in "
                 "a folder holding your submission's files (also named /content)")

    def flush_and_unmount(*args: Any, **kwargs: Any) -> None:
        pass

    def upload(*args: Any, **kwargs: Any) -> dict:
        _skipped("files.upload()", "nothing can be uploaded while grading; put the files in your submission")
        return {}

    def download(filename: str = "", *args: Any, **kwargs: Any) -> None:
        _skipped(f"files.download({filename!r})", "nothing is downloaded while grading")

    def clear(*args: Any, **kwargs: Any) -> None:
        pass

    def cv2_imshow(image: Any = None, *args: Any, **kwargs: Any) -> None:
        _skipped("cv2_imshow(...)", "Colab's image viewer is not available while grading (use matplotlib's imshow)")

    def authenticate_user(*args: Any, **kwargs: Any) -> None:
        _skipped("auth.authenticate_user()", "no Google account is available while grading")

    submodule("drive", mount=mount, flush_and_unmount=flush_and_unmount)
    submodule("files", upload=upload, download=download)
    submodule("output", clear=clear, enable_custom_widget_manager=clear, disable_custom_widget_manager=clear)
    submodule("patches", cv2_imshow=cv2_imshow)
    submodule("auth", authenticate_user=authenticate_user)
    return package


def install_shell(shell: Any) -> None:
    """Make the notebook's IPython shell skip (and note) the Colab-only lines."""

    def system(cmd: str, *args: Any, **kwargs: Any) -> None:
        _skipped(f"!{cmd}", _NO_SHELL)

    def getoutput(cmd: str, *args: Any, **kwargs: Any) -> list:
        _skipped(f"!{cmd}", _NO_SHELL)
        return []

    shell.system = system
    shell.system_piped = system
    shell.system_raw = system
    shell.getoutput = getoutput

    for name in SKIPPED_LINE_MAGICS:
        def line_magic(line: str = "", _name: str = name) -> None:
            _skipped(f"%{_name} {line}".strip(), _NO_SHELL)
        shell.register_magic_function(line_magic, magic_kind="line", magic_name=name)
    for name in SKIPPED_CELL_MAGICS:
        def cell_magic(line: str = "", cell: str = "", _name: str = name) -> None:
            _skipped(f"%%{_name} {line}".strip(), _NO_SHELL + "; the cell was not run")
        shell.register_magic_function(cell_magic, magic_kind="cell", magic_name=name)

    def matplotlib(line: str = "") -> None:
        _skipped(f"%matplotlib {line}".strip(), "figures are shown after each cell anyway")
    shell.register_magic_function(matplotlib, magic_kind="line", magic_name="matplotlib")

    cd = shell.find_line_magic("cd")
    if cd is not None:
        def cd_line(line: str = "") -> Any:
            if line.strip().strip("'\"").startswith(("/content/drive", "drive/")):
                _skipped(f"%cd {line}".strip(), "Google Drive is not available while grading; the notebook stays in "
                         "the folder holding your submission's files")
                return None
            return cd(line)
        shell.register_magic_function(cd_line, magic_kind="line", magic_name="cd")

    capture = shell.find_cell_magic("capture")
    if capture is not None:
        def capture_cell(line: str = "", cell: str = "") -> Any:
            _skipped(f"%%capture {line}".strip(), "it ran as in Jupyter, with its output hidden", verb="ran")
            return capture(line, cell)
        shell.register_magic_function(capture_cell, magic_kind="cell", magic_name="capture")
