"""Fixtures for the engine's own tests: a toy assignment and a way to grade file sets against it."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from grader.api import grade
from grader.results.models import SubmissionResult

#: an assignment used as data: its tests run through the grader, never collected directly
collect_ignore = ["toy_project"]

TOY_ROOT = Path(__file__).parent / "toy_project"
GOOD_CALC = "def add(a, b):\n    return a + b\n\n\ndef scale(t, k):\n    return t * k\n"


@pytest.fixture
def toy_root() -> Path:
    return TOY_ROOT


@pytest.fixture
def grade_files(tmp_path: Path) -> Callable[..., SubmissionResult]:
    """Write ``{name: source}`` as a submission folder and grade it against the toy rubric."""
    counter = iter(range(1000))

    def run(files: dict[str, str | bytes], *, backend: str | None = None) -> SubmissionResult:
        folder = tmp_path / f"submission{next(counter)}"
        folder.mkdir()
        for name, content in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        return grade(folder, assignment="toy", root=TOY_ROOT, backend=backend)

    return run


def item(result: SubmissionResult, item_id: str):  # type: ignore[no-untyped-def]
    return next(i for i in result.items if i.id == item_id)
