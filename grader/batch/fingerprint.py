"""Hashes that decide what a re-run must grade again: the submission's and the rubric's.

- A submission's hash covers its bytes: a file's sha256, or for a folder every regular
  file's relative path and content (symbolic links by their target, never followed;
  editor litter such as ``__pycache__`` left out, as intake leaves it out).
- The rubric's fingerprint has a **global** part (everything in ``rubric.yaml`` but the
  items; the hidden tests' helper files such as ``conftest.py``; the worker's probes) and
  one hash **per item** (its YAML, and the test files its selectors name). A change to the
  global part regrades everything; a change to one item regrades that item only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable

from pydantic import BaseModel, ConfigDict

from grader.batch.discover import Submission
from grader.rubric.schema import Rubric, TestsCheck

__all__ = ["Fingerprint", "rubric_fingerprint", "submission_sha256", "tree_sha256", "file_sha256"]

_LITTER = {"__MACOSX", ".DS_Store", "__pycache__", ".ipynb_checkpoints", "Thumbs.db", ".git", ".pytest_cache"}
_PROBES_DIR = Path(__file__).resolve().parent.parent / "worker" / "probes"


class Fingerprint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    global_sha256: str
    items: dict[str, str]

    def changed_items(self, old: "Fingerprint") -> tuple[str, ...] | None:
        """Items whose hash differs from ``old`` (new items included); None when everything must be regraded."""
        if old.global_sha256 != self.global_sha256:
            return None
        return tuple(i for i, h in self.items.items() if old.items.get(i) != h)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tree_sha256(entries: Iterable[tuple[str, Path]]) -> str:
    """Hash of (relative name, path) pairs: names and contents, links by target."""
    h = hashlib.sha256()
    for name, path in sorted(entries):
        if path.is_symlink():
            h.update(f"{name}\0link\0{path.readlink()}\n".encode("utf-8", "surrogateescape"))
        elif path.is_file():
            h.update(f"{name}\0file\0{file_sha256(path)}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _folder_entries(folder: Path) -> list[tuple[str, Path]]:
    out = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if any(part in _LITTER or part.startswith("._") for part in rel.parts):
            continue
        if path.is_symlink() or path.is_file():
            out.append((rel.as_posix(), path))
    return out


def submission_sha256(submission: Submission) -> str:
    if submission.files:
        return tree_sha256((Path(name).name, path) for name, path in submission.files)
    path = submission.path
    if path.is_symlink():
        return hashlib.sha256(f"link\0{path.readlink()}".encode("utf-8", "surrogateescape")).hexdigest()
    if path.is_dir():
        return tree_sha256(_folder_entries(path))
    return file_sha256(path)


def rubric_fingerprint(rubric: Rubric, tests_dir: Path) -> Fingerprint:
    tests_dir = Path(tests_dir)
    test_files = {p.relative_to(tests_dir).as_posix(): p for p in tests_dir.rglob("*")
                  if p.is_file() and not any(part in _LITTER for part in p.relative_to(tests_dir).parts)}
    selected: set[str] = set()
    items: dict[str, str] = {}
    for item in rubric.items:
        h = hashlib.sha256(item.model_dump_json().encode())
        if isinstance(item.check, TestsCheck):
            for name in sorted(_files_named(item.check.tests, test_files)):
                selected.add(name)
                h.update(f"\0{name}\0{file_sha256(test_files[name])}".encode())
        items[item.id] = h.hexdigest()
    head = rubric.model_dump(mode="json", exclude={"items"})
    g = hashlib.sha256(json.dumps(head, sort_keys=True).encode())
    # helpers every test may import (conftest.py, helpers, data files) and test files no item names
    for name in sorted(set(test_files) - selected):
        g.update(f"\0tests/{name}\0{file_sha256(test_files[name])}".encode())
    for probe in sorted(_PROBES_DIR.glob("*.py")):
        g.update(f"\0probes/{probe.name}\0{file_sha256(probe)}".encode())
    return Fingerprint(global_sha256=g.hexdigest(), items=items)


def _files_named(selectors: tuple[str, ...], test_files: dict[str, Path]) -> set[str]:
    import fnmatch

    names = set()
    for selector in selectors:
        pattern = selector.split("::", 1)[0]
        names.update(n for n in test_files if fnmatch.fnmatchcase(n, pattern))
    return names
