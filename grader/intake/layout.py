"""The course's layout applied to a workspace: file-name variants and provided helper files.

Real students code against their own offering of a course: some years named the file
``sgd.py`` instead of ``gd.py``, and every year the course handed out helper files
(``siren_utils.py``, ``psthree/utils.py``, its public tests) that students must not
change. Both are declared in the rubric (``aliases:``, ``provided:``) and applied here,
after intake and before anything runs; each change becomes a note for the report, so
the student sees exactly what was graded.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import replace
from pathlib import Path

from grader.intake.unpack import Workspace
from grader.rubric.schema import ProvidedFile

__all__ = ["apply_aliases", "apply_provided", "find_definitions", "top_level_names"]


def apply_aliases(workspace: Workspace, aliases: dict[str, tuple[str, ...]]) -> tuple[Workspace, list[str]]:
    """Rename an alias to its file when the submission holds the alias and not the file."""
    notes = []
    present = set(workspace.files)
    for name, others in aliases.items():
        if name in present:
            continue
        found = next((other for other in others if other in present), None)
        if found is None:
            continue
        target = workspace.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (workspace.path / found).rename(target)
        present.discard(found)
        present.add(name)
        notes.append(f"{found} was graded as {name}: {found} is the name some offerings of the course "
                     f"used for it.")
    return _with_files(workspace, present), notes


def apply_provided(workspace: Workspace, rubric_dir: Path, provided: tuple[ProvidedFile, ...]
                   ) -> tuple[Workspace, list[str]]:
    """Put the grader's copy of each provided file in place, replacing the submitted one.

    Raises ``FileNotFoundError`` when the grader's own copy is missing (a grader error).
    """
    notes = []
    present = set(workspace.files)
    for entry in provided:
        source = (rubric_dir / entry.source).resolve()
        if not source.is_file():
            raise FileNotFoundError(f"the rubric's provided file {entry.source} is missing from {rubric_dir}")
        target = workspace.path / entry.file
        why = f" ({entry.why})" if entry.why else ""
        if entry.file in present:
            if target.read_bytes() != source.read_bytes():
                notes.append(f"{entry.file} is provided by the course: the grader used its own copy instead of "
                             f"yours{why}; changes to it are not graded.")
            else:
                notes.append(f"{entry.file} is provided by the course: the grader used its own copy{why}.")
            target.unlink()
        else:
            notes.append(f"{entry.file} is provided by the course and was not in your submission: the grader "
                         f"added its own copy{why}.")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        present.add(entry.file)
    return _with_files(workspace, present), notes


def top_level_names(source: str) -> list[str]:
    """The public functions and classes a Python file defines at its top level."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and not node.name.startswith("_")]


def find_definitions(workspace: Workspace, names: list[str], *, skip: str = "") -> dict[str, str]:
    """Where each of ``names`` is defined at the top level of another ``.py`` file of the workspace."""
    found: dict[str, str] = {}
    for rel in workspace.files:
        if not rel.endswith(".py") or rel == skip:
            continue
        path = workspace.path / rel
        try:
            source = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for name in top_level_names(source):
            if name in names and name not in found:
                found[name] = rel
    return found


def _with_files(workspace: Workspace, present: set[str]) -> Workspace:
    files = tuple(sorted(f for f in present if (workspace.path / f).is_file()))
    return replace(workspace, files=files)
