"""The student version of a reference notebook: solutions stripped, markdown kept, outputs cleared.

- a code cell tagged ``solution`` becomes ``# YOUR CODE HERE``;
- a markdown cell tagged ``solution`` (a written answer) keeps its heading line, so the
  answers file still finds ``## 1(a) ...``, and says ``_Your answer here._``;
- inside code cells, ``# BEGIN SOLUTION`` / ``# END SOLUTION`` blocks are stripped as in a
  ``.py`` file (a block in a function becomes ``raise NotImplementedError(...)``); a block at
  the top level of a cell needs no stub: it becomes ``# YOUR CODE HERE``.

Outputs and execution counts are cleared and the JSON is written the way nbformat writes it,
so a rebuild is byte for byte the same (``grader template build --check``).
"""

from __future__ import annotations

import re

__all__ = ["strip_notebook", "SOLUTION_TAG", "CODE_STUB"]

SOLUTION_TAG = "solution"
CODE_STUB = "# YOUR CODE HERE"
_TOP_LEVEL_BEGIN = re.compile(r"^# BEGIN SOLUTION\s*$", re.MULTILINE)


def strip_notebook(text: str, filename: str = "<notebook>") -> str:
    """The template notebook's JSON for the reference notebook ``text``."""
    import nbformat

    from grader.authoring.template import TemplateError, strip_solutions

    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises several types
        raise TemplateError(f"{filename}: not a readable notebook ({exc})") from None
    for index, cell in enumerate(nb.cells):
        tags = list(cell.metadata.get("tags", []))
        solution = SOLUTION_TAG in tags
        if solution:
            tags.remove(SOLUTION_TAG)
            if tags:
                cell.metadata["tags"] = tags
            else:
                cell.metadata.pop("tags", None)
        if cell.cell_type == "code":
            if solution:
                cell.source = CODE_STUB
            else:
                source = _TOP_LEVEL_BEGIN.sub(f"# BEGIN SOLUTION: {CODE_STUB}", cell.source)
                cell.source = strip_solutions(source + "\n", f"{filename} cell {index}").rstrip("\n")
            cell.outputs = []
            cell.execution_count = None
        elif solution:
            first = cell.source.split("\n", 1)[0]
            cell.source = first if first.lstrip().startswith("#") else ""
        cell.pop("id", None)
    nb.nbformat_minor = min(nb.nbformat_minor, 4)  # no cell ids: stable output across rebuilds
    return nbformat.writes(nb) + "\n"
