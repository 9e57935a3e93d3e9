"""Hashes that decide what a re-run must grade again: the submission's and the rubric's.

- A submission's hash covers the files that are graded, not how they were packed: each
  file's name (inside the submission, after intake's flattening of a lone top folder) and
  content, with line endings and a UTF-8 byte-order mark normalised in text files; editor
  litter such as ``__pycache__`` left out, as intake leaves it out; symbolic links by their
  target, never followed. The same files zipped twice, or zipped and as a folder, hash the
  same; a zip that cannot be read without risk (broken, encrypted, very large) is hashed by
  its bytes. A single ``.py`` or ``.ipynb`` file counts with its own name, because intake
  tells the student about a misnamed file, so two such files are identical only by name too.
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
    """The identity of what is graded (see the module docstring); dedupe and resume compare it."""
    if submission.files:
        return _content_sha256([(Path(name).name, _file_digest(path, name)) for name, path in submission.files])
    path = submission.path
    if path.is_symlink():
        return hashlib.sha256(f"link\0{path.readlink()}".encode("utf-8", "surrogateescape")).hexdigest()
    if path.is_dir():
        return _content_sha256([(name, _link_or_file_digest(p, name)) for name, p in _folder_entries(path)])
    if path.suffix.lower() == ".zip":
        members = _zip_digests(path)
        return _content_sha256(members) if members is not None else file_sha256(path)
    return _content_sha256([(path.name, _file_digest(path, path.name))])


#: files whose line endings (and byte-order mark) do not change what they mean to the grader
_TEXT_SUFFIXES = {".py", ".md", ".txt", ".csv", ".yaml", ".yml", ".json", ".ipynb", ".tex", ".rst"}
#: a zip is hashed by its members only below these sizes; beyond, by its bytes (intake judges it)
_ZIP_MAX_FILES = 2000
_ZIP_MAX_BYTES = 64 * 1024 * 1024


def _normalised(name: str, data: bytes) -> bytes:
    if Path(name).suffix.lower() in _TEXT_SUFFIXES:
        return data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    return data


def _file_digest(path: Path, name: str) -> str:
    if Path(name).suffix.lower() in _TEXT_SUFFIXES and path.stat().st_size <= _ZIP_MAX_BYTES:
        return "file\0" + hashlib.sha256(_normalised(name, path.read_bytes())).hexdigest()
    return "file\0" + file_sha256(path)


def _link_or_file_digest(path: Path, name: str) -> str:
    if path.is_symlink():
        return f"link\0{path.readlink()}"
    return _file_digest(path, name)


def _zip_digests(archive: Path) -> list[tuple[str, str]] | None:
    """(name, digest) of a zip's member files, read in memory; None when it is not safe to read."""
    import zipfile

    try:
        with zipfile.ZipFile(archive) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            if len(infos) > _ZIP_MAX_FILES or sum(i.file_size for i in infos) > _ZIP_MAX_BYTES:
                return None
            out = []
            budget = _ZIP_MAX_BYTES
            for info in infos:
                parts = [p for p in info.filename.replace("\\", "/").split("/") if p not in ("", ".")]
                if not parts or any(p in _LITTER or p.startswith("._") for p in parts):
                    continue
                if info.flag_bits & 0x1 or (info.external_attr >> 16) & 0o170000 == 0o120000:
                    return None  # encrypted, or a link: intake refuses it; the bytes identify it
                with zf.open(info) as member:
                    data = member.read(min(budget, info.file_size) + 1)
                budget -= len(data)
                if len(data) > info.file_size or budget < 0:
                    return None
                out.append(("/".join(parts), "file\0" + hashlib.sha256(_normalised(parts[-1], data)).hexdigest()))
            return out
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError, EOFError,
            RuntimeError):
        return None


def _content_sha256(entries: list[tuple[str, str]]) -> str:
    """Hash of (name, digest) pairs after intake's flattening of one top folder that is not a package."""
    tops = {name.split("/", 1)[0] for name, _ in entries}
    if len(tops) == 1 and all("/" in name for name, _ in entries):
        top = tops.pop()
        if f"{top}/__init__.py" not in {name for name, _ in entries}:
            entries = [(name.split("/", 1)[1], digest) for name, digest in entries]
    h = hashlib.sha256(b"content-v2\n")
    for name, digest in sorted(entries):
        h.update(f"{name}\0{digest}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


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
    for provided in rubric.provided:  # the course's helper files the grader puts in every workspace
        source = tests_dir.parent / provided.source
        g.update(f"\0provided/{provided.file}\0{file_sha256(source) if source.is_file() else 'missing'}".encode())
    return Fingerprint(global_sha256=g.hexdigest(), items=items)


def _files_named(selectors: tuple[str, ...], test_files: dict[str, Path]) -> set[str]:
    import fnmatch

    names = set()
    for selector in selectors:
        pattern = selector.split("::", 1)[0]
        names.update(n for n in test_files if fnmatch.fnmatchcase(n, pattern))
    return names
