"""What is compared: each student's code files, read safely, and the starter code they began from.

A class is found the way ``grader batch`` finds it (:func:`grader.batch.discover_submissions`):
from a submissions folder, or from a batch's output folder (its ``batch.json`` names the
submissions folder; its journal says which identical submissions were graded once and copied).
A zip is unpacked with the grader's own intake (zip slip, links, bombs refused) into a
temporary folder; nothing is imported or run.

The files compared are every ``.py`` file and every notebook's code cells, except the course's
``provided:`` files (the grader replaces them) and files byte-identical to the starter's file of
the same name (nothing of the student's in them). A notebook is shown as its code cells, each
after a ``# [cell n]`` line.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.batch.discover import LAYOUTS, Submission, discover_submissions
from grader.batch.fingerprint import submission_sha256
from grader.intake.unpack import NotGradable, prepare_workspace
from grader.similarity.tokens import blank_magics

__all__ = ["SimilarityError", "SourceFile", "Entry", "Class", "NotGradable", "find_class", "read_entry",
           "read_folder", "read_named", "starter_bytes", "CODE_SUFFIXES", "MAX_FILE_BYTES"]

CODE_SUFFIXES = (".py", ".ipynb")
#: a bigger file is not code a student wrote (a vendored library, a dataset saved as .py)
MAX_FILE_BYTES = 1_000_000
_MAX_FILES = 200
_LITTER = {"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git"}


class SimilarityError(ValueError):
    """The command cannot run as asked; the message says what to give instead."""


@dataclass(frozen=True)
class SourceFile:
    """One code file as the pages show it, and the pieces tokenised separately (a notebook's cells)."""

    name: str
    text: str
    #: (source, the shown line of its first line): a .py file is one piece, a notebook one per code cell
    pieces: tuple[tuple[str, int], ...]
    notebook: bool = False


@dataclass(frozen=True)
class Entry:
    """One student's submission to compare."""

    key: str
    student: str
    name: str
    #: the file or folder discovered (Canvas: the first of the student's files)
    path: Path
    #: Canvas: the student's files under their own names
    files: tuple[tuple[str, Path], ...]
    #: the batch's identity of a submission: the graded files' names and content
    identity: str
    #: the batch graded another student's identical submission and copied its result here
    copied_from: str = ""

    @property
    def label(self) -> str:
        return f"{self.student} ({self.name})" if self.name else self.student


@dataclass
class Class:
    entries: list[Entry]
    layout: str
    #: the submissions folder
    folder: Path
    #: the batch output folder this came from, if any
    batch_dir: Path | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)


def find_class(source: Path, *, required_files: tuple[str, ...]) -> Class:
    """The students of a submissions folder or of a batch output folder (``batch.json`` beside ``journal/``)."""
    from grader.batch.journal import Journal, JournalError

    source = Path(source)
    if not source.is_dir():
        raise SimilarityError(f"{source} is not a folder; give a submissions folder or a `grader batch` output "
                              "folder (-o of grader batch)")
    journal = Journal(source)
    try:
        manifest = journal.read_manifest()
    except JournalError as exc:
        raise SimilarityError(str(exc)) from None
    if manifest is None:
        found = discover_submissions(source, required_files=required_files)
        entries = [_entry(sub, "") for sub in found.submissions]
        return Class(entries, found.layout, source, None, list(found.skipped))
    folder = Path(manifest.submissions_dir)
    if not folder.is_dir():
        raise SimilarityError(f"{source}/batch.json names the submissions folder {folder}, which is not there any "
                              "more; give the submissions folder itself: grader similarity <submissions> -a "
                              f"{manifest.assignment} -o <dir>")
    layout = manifest.layout if manifest.layout in LAYOUTS else None
    found = discover_submissions(folder, required_files=required_files, layout=layout)
    records = journal.load()
    entries = []
    for sub in found.submissions:
        record = records.get(sub.key)
        entries.append(_entry(sub, record.timing.reused_from if record else ""))
    return Class(entries, found.layout, folder, source, list(found.skipped))


def _entry(sub: Submission, copied_from: str) -> Entry:
    return Entry(key=sub.key, student=sub.student.id, name=sub.student.name, path=sub.path, files=sub.files,
                 identity=submission_sha256(sub), copied_from=copied_from)


def read_entry(entry: Entry, *, starter: dict[str, bytes], skip: frozenset[str]) -> list[SourceFile]:
    """The student's code files, safely unpacked; raises :class:`NotGradable` for an unreadable submission."""
    if entry.files:
        return _code_files(((PurePosixPath(n).name, p) for n, p in entry.files), starter, skip)
    with tempfile.TemporaryDirectory(prefix="grader-similarity-") as tmp:
        workspace = prepare_workspace(entry.path, Path(tmp) / "ws")
        return _code_files(((name, workspace.path / name) for name in workspace.files), starter, skip)


def read_folder(folder: Path) -> list[SourceFile]:
    """Every code file of a trusted folder (the starter code), whatever it holds."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    return _code_files(((n, folder / n) for n in names), {}, frozenset())


def read_named(named: list[tuple[str, Path]]) -> list[SourceFile]:
    """Code files of our own given as (name in a submission, path): the course's provided files."""
    return _code_files(named, {}, frozenset())


def starter_bytes(folder: Path) -> dict[str, bytes]:
    """The starter's code files by relative name (a student's byte-identical copy is skipped)."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and p.suffix.lower() in CODE_SUFFIXES and p.stat().st_size <= MAX_FILE_BYTES}


def _code_files(named, starter: dict[str, bytes], skip: frozenset[str]) -> list[SourceFile]:  # type: ignore[no-untyped-def]
    out: list[SourceFile] = []
    for name, path in sorted(named, key=lambda item: item[0]):
        parts = PurePosixPath(name).parts
        if (PurePosixPath(name).suffix.lower() not in CODE_SUFFIXES or any(p in _LITTER for p in parts)
                or name in skip or path.is_symlink() or not path.is_file()):
            continue
        if path.stat().st_size > MAX_FILE_BYTES or len(out) >= _MAX_FILES:
            continue
        data = path.read_bytes()
        if starter.get(name) == data:
            continue
        text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
        out.append(_notebook(name, text) if name.lower().endswith(".ipynb") else
                   SourceFile(name, text, ((text, 1),)))
    return out


def _notebook(name: str, text: str) -> SourceFile:
    """A notebook as its code cells; one that is not JSON is compared as text (it is still the student's)."""
    try:
        cells = json.loads(text).get("cells", [])
        if not isinstance(cells, list):
            raise ValueError("cells is not a list")
    except (ValueError, AttributeError):
        return SourceFile(name, text, ((text, 1),), notebook=True)
    lines: list[str] = []
    pieces: list[tuple[str, int]] = []
    number = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(s for s in source if isinstance(s, str)) if isinstance(source, list) else str(source)
        number += 1
        lines.append(f"# [cell {number}]")
        pieces.append((blank_magics(source), len(lines) + 1))
        lines.extend(source.split("\n"))
    return SourceFile(name, "\n".join(lines), tuple(pieces), notebook=True)

