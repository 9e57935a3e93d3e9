"""Fixtures for the notebook tests: a toy notebook assignment and a way to grade cell lists against it."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import nbformat
import pytest

from grader.api import grade
from grader.results.models import SubmissionResult

#: an assignment used as data: its tests run through the grader, never collected directly
collect_ignore = ["toy_project"]

TOY_ROOT = Path(__file__).parent / "toy_project"

GOOD_CELLS = [
    "# Toy notebook\n\nmarkdown stays markdown",
    "def square(x):\n    return x * x",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
    "TOTAL = 40 + 2",
    "def cube(x):\n    return x ** 3",
]


def make_notebook(cells: list[str]) -> str:
    """A v4 notebook: a cell starting with ``#`` and a space is markdown, the others code."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(c) if c.startswith("# ") else nbformat.v4.new_code_cell(c)
                for c in cells]
    return nbformat.writes(nb)


@pytest.fixture
def grade_notebook(tmp_path: Path) -> Callable[..., SubmissionResult]:
    """Grade ``cells`` (or raw file text) as ``toy.ipynb`` against the toy notebook rubric."""
    counter = iter(range(1000))

    def run(cells: list[str] | str | bytes, *, name: str = "toy.ipynb") -> SubmissionResult:
        folder = tmp_path / f"submission{next(counter)}"
        folder.mkdir()
        content = make_notebook(cells) if isinstance(cells, list) else cells
        (folder / name).write_bytes(content.encode() if isinstance(content, str) else content)
        return grade(folder / name, assignment="toy-nb", root=TOY_ROOT)

    return run


def item(result: SubmissionResult, item_id: str):  # type: ignore[no-untyped-def]
    return next(i for i in result.items if i.id == item_id)
