"""Read a submitted notebook on the trusted side: size, JSON, nbformat version and schema.

Only the cells' sources and kinds are used: the outputs a student saved in the file are
dropped, since the grader runs the notebook itself. Each problem is a ``NotebookInvalid``
with a message that says what to fix; the pipeline turns it into "not gradable".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NotebookInvalid", "NotebookCell", "LoadedNotebook", "load_notebook", "find_notebook", "MAX_NOTEBOOK_MB"]

#: a notebook above this size is refused (saved outputs and images make most of a big one)
MAX_NOTEBOOK_MB = 20
_MAX_CELLS = 2000


class NotebookInvalid(Exception):
    """The file is not a notebook the grader can run; the message says why and what to do."""


@dataclass(frozen=True)
class NotebookCell:
    #: position in the notebook, counting every cell (markdown too), from 0
    index: int
    kind: str  # "code", "markdown" or "raw"
    source: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadedNotebook:
    name: str
    cells: tuple[NotebookCell, ...]
    nbformat: int
    nbformat_minor: int

    @property
    def code_cells(self) -> tuple[NotebookCell, ...]:
        return tuple(c for c in self.cells if c.kind == "code")


def load_notebook(path: Path, *, max_mb: float = MAX_NOTEBOOK_MB) -> LoadedNotebook:
    """Validate ``path`` with nbformat (upgrading a v3 notebook to v4) and return its cells."""
    import nbformat

    name = path.name
    size = path.stat().st_size
    if size > max_mb * 1024 * 1024:
        raise NotebookInvalid(f"{name} is {size / 1024 / 1024:.1f} MiB, above the {max_mb:g} MiB limit. "
                              "Clear its outputs (Kernel > Restart & Clear Output, or `jupyter nbconvert "
                              "--clear-output`) and submit it again.")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise NotebookInvalid(f"{name} is not a notebook: it is not UTF-8 text (byte {exc.start}). "
                              "Submit the .ipynb file Jupyter saved, not an export.") from None
    except json.JSONDecodeError as exc:
        raise NotebookInvalid(f"{name} is not a notebook: it is not valid JSON (line {exc.lineno}, column "
                              f"{exc.colno}: {exc.msg}). Open it in Jupyter, save it, and submit the saved "
                              ".ipynb file.") from None
    except RecursionError:
        raise NotebookInvalid(f"{name} is not a notebook Jupyter saved: its JSON is nested too deeply to read. "
                              "Open it in Jupyter, save it, and submit the saved .ipynb file.") from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise NotebookInvalid(f"{name} is JSON but not a notebook (no 'cells'). Submit the .ipynb file "
                              "Jupyter saved.")
    version = data.get("nbformat")
    if not isinstance(version, int) or version not in (3, 4):
        raise NotebookInvalid(f"{name} has notebook format version {version!r}; the grader reads versions 3 "
                              "and 4. Save it with a current Jupyter (File > Save) and submit it again.")
    try:
        node = nbformat.reads(text, as_version=4)
        nbformat.validate(node)
    except Exception as exc:  # noqa: BLE001 - nbformat raises several types for a malformed file
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise NotebookInvalid(f"{name} does not follow the notebook format: {first}. Open it in Jupyter, "
                              "save it, and submit it again.") from None
    if len(node.cells) > _MAX_CELLS:
        raise NotebookInvalid(f"{name} has {len(node.cells)} cells; the limit is {_MAX_CELLS}.")
    cells = []
    for index, cell in enumerate(node.cells):
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        tags = cell.get("metadata", {}).get("tags", [])
        cells.append(NotebookCell(index=index, kind=str(cell.get("cell_type", "raw")), source=str(source),
                                  tags=tuple(str(t) for t in tags if isinstance(t, str))))
    return LoadedNotebook(name=name, cells=tuple(cells), nbformat=int(node.nbformat),
                          nbformat_minor=int(node.nbformat_minor))


def find_notebook(workspace: Path, preferred: str | None) -> Path:
    """The notebook to run: ``preferred`` when present, else the workspace's only ``.ipynb``."""
    if preferred and (workspace / preferred).is_file():
        return workspace / preferred
    found = sorted(p for p in workspace.rglob("*.ipynb") if p.is_file() and not p.is_symlink()
                   and ".ipynb_checkpoints" not in p.parts)
    if len(found) == 1:
        return found[0]
    wanted = f" (expected {preferred})" if preferred else ""
    if not found:
        raise NotebookInvalid(f"the submission holds no .ipynb notebook{wanted}. Submit your notebook file.")
    names = ", ".join(str(p.relative_to(workspace)) for p in found)
    raise NotebookInvalid(f"the submission holds {len(found)} notebooks ({names}){wanted}; submit only one, "
                          f"named {preferred or 'as the template names it'}.")
