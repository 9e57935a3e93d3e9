"""Put datasets into the data root and check them: import, fetch, verify, status.

Every way in ends the same: the files are built in a staging folder beside
``<root>/<name>``, each is checked against its registered sha256, and only then is the
staging folder renamed into place. A failed import leaves the previous copy untouched.
The ``grader data`` commands are thin wrappers over the keyword-only functions here.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import BinaryIO, ContextManager, Literal

from grader._version import __version__
from grader.datasets._files import copy_hashing, install_dir, sha256_file, staging_dir
from grader.datasets.download import download
from grader.datasets.errors import DatasetMissing, FetchError, ImportSourceError
from grader.datasets.imdb import build_imdb_files
from grader.datasets.paths import data_root, require
from grader.datasets.registry import DATASETS, DataFile, Dataset, get_dataset

__all__ = [
    "ImportReport",
    "VerifyResult",
    "fetch_dataset",
    "import_all",
    "import_dataset",
    "is_present",
    "verify_datasets",
]

MANIFEST = ".import.json"
#: folders an ``import`` walk does not descend into: hidden ones, and the 50 000-file
#: aclImdb tree (the IMDB importer reads it directly)
_PRUNE = ("aclImdb",)


@dataclass(frozen=True)
class ImportReport:
    """What one import (or fetch) installed."""

    name: str
    folder: Path
    source: Path
    #: (stored path, size in bytes), each verified against the registry
    files: tuple[tuple[str, int], ...]
    #: how the input was recognised, e.g. "official archive aclImdb_v1.tar.gz"
    detail: str
    seconds: float


@dataclass(frozen=True)
class VerifyResult:
    name: str
    status: Literal["ok", "missing", "corrupt"]
    folder: Path
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class _NothingFound(ImportSourceError):
    """No input for this dataset at all (``import all`` skips it; ``import NAME`` reports it)."""


# --------------------------------------------------------------------------- finding inputs

Opener = Callable[[], ContextManager[BinaryIO]]


@contextmanager
def _tar_member(archive: Path, member: str) -> Iterator[BinaryIO]:
    with tarfile.open(archive) as tf:
        yield tf.extractfile(member)


@contextmanager
def _zip_member(archive: Path, member: str) -> Iterator[BinaryIO]:
    with zipfile.ZipFile(archive) as zf, zf.open(member) as fh:
        yield fh


class _Candidates:
    """Files under an import PATH by base name: a folder (walked once), an archive, or one file.

    Listed lazily, so an IMDB import from an ``aclImdb`` folder or archive never lists its
    50 000 members just to find out it should read them.
    """

    def __init__(self, source: Path) -> None:
        self.source = source

    @property
    def by_name(self) -> dict[str, list[tuple[str, Opener]]]:
        return self._listing[0]

    @property
    def dirs(self) -> list[Path]:
        """Every folder seen by the walk, the pruned ones (aclImdb) included."""
        return self._listing[1]

    @cached_property
    def _listing(self) -> tuple[dict[str, list[tuple[str, Opener]]], list[Path]]:
        found: dict[str, list[tuple[str, Opener]]] = {}
        dirs: list[Path] = []
        add = lambda name, where, opener: found.setdefault(name, []).append((where, opener))
        source = self.source
        if source.is_dir():
            for folder, subdirs, files in os.walk(source):
                dirs.extend(Path(folder) / d for d in subdirs)
                subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d not in _PRUNE)
                for name in sorted(files):
                    add(name, str(Path(folder) / name), partial(open, Path(folder) / name, "rb"))
        elif tarfile.is_tarfile(source):
            with tarfile.open(source) as tf:
                for m in tf:
                    if m.isfile():
                        add(Path(m.name).name, f"{source}:{m.name}", partial(_tar_member, source, m.name))
        elif zipfile.is_zipfile(source):
            with zipfile.ZipFile(source) as zf:
                for info in zf.infolist():
                    if not info.is_dir():
                        add(Path(info.filename).name, f"{source}:{info.filename}",
                            partial(_zip_member, source, info.filename))
        else:   # one plain file: it and its neighbours (camera.png, or one of a table's files)
            for path in (source, *sorted(p for p in source.parent.iterdir() if p.is_file() and p != source)):
                add(path.name, str(path), partial(open, path, "rb"))
        return found, dirs


# --------------------------------------------------------------------------- builders

def _build_copy(dataset: Dataset, candidates: _Candidates, staging: Path) -> str:
    """Copy each stored file from the first candidate with the right checksum."""
    missing = [f.basename for f in dataset.files if f.basename not in candidates.by_name]
    if len(missing) == len(dataset.files):
        raise _NothingFound(dataset.name, candidates.source,
                            f"none of its files is there (looked for {', '.join(missing)})")
    if missing:
        raise ImportSourceError(dataset.name, candidates.source, f"missing {', '.join(missing)}")
    used = []
    for f in dataset.files:
        dest = staging / f.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        wrong = []
        for where, opener in candidates.by_name[f.basename]:
            with opener() as fh:
                digest, size = copy_hashing(fh, dest)
            if digest == f.sha256:
                used.append(where)
                break
            wrong.append(f"{where} has sha256 {digest} ({size} bytes)")
        else:
            raise ImportSourceError(dataset.name, candidates.source,
                                    f"{f.basename} differs from the registered copy "
                                    f"(sha256 {f.sha256}, {f.size} bytes): " + "; ".join(wrong))
    return "copied from " + os.path.commonpath(used) if len(used) > 1 else f"copied from {used[0]}"


def _looks_like_aclimdb(folder: Path) -> bool:
    return (folder / "train" / "pos").is_dir() or (folder / "aclImdb" / "train" / "pos").is_dir()


def _aclimdb_input(dataset: Dataset, candidates: _Candidates) -> Path:
    """The aclImdb folder or archive to read: PATH itself, or one found under it."""
    source = candidates.source
    if source.is_file() or _looks_like_aclimdb(source):
        return source
    for folder in candidates.dirs:
        if folder.name == "aclImdb" and _looks_like_aclimdb(folder):
            return folder
    for archive in dataset.archives:
        for where, _ in candidates.by_name.get(archive.basename, ()):
            return Path(where)
    raise _NothingFound(dataset.name, source, "no aclImdb folder and no "
                        + " or ".join(a.basename for a in dataset.archives) + " under it")


def _build_aclimdb(dataset: Dataset, candidates: _Candidates, staging: Path) -> str:
    found = _aclimdb_input(dataset, candidates)
    if found.is_file() and not tarfile.is_tarfile(found):
        raise ImportSourceError(dataset.name, found, "not a tar archive and not an aclImdb folder")
    detail = f"built from the folder {found}"
    if found.is_file():
        digest = sha256_file(found)
        known = any(a.sha256 == digest for a in dataset.archives)
        detail = f"built from {found}, " + ("a registered archive" if known else "an archive not in the registry")
    try:
        build_imdb_files(found, staging)
    except LookupError as exc:   # not one review in it: for `import all`, simply not there
        raise _NothingFound(dataset.name, found, str(exc)) from exc
    except (ValueError, OSError, EOFError, tarfile.TarError) as exc:
        raise ImportSourceError(dataset.name, found, str(exc)) from exc
    return detail


_BUILDERS = {"copy": _build_copy, "aclimdb": _build_aclimdb}


def _check_stored(dataset: Dataset, folder: Path) -> tuple[str, ...]:
    """One line per stored file that is absent or differs from the registry (size first: cheap)."""
    problems = []
    for f in dataset.files:
        path = folder / f.path
        if not path.is_file():
            problems.append(f"{f.path}: missing")
            continue
        size = path.stat().st_size
        if size != f.size:
            problems.append(f"{f.path}: {size} bytes, registered {f.size} bytes (sha256 {f.sha256})")
            continue
        digest = sha256_file(path)
        if digest != f.sha256:
            problems.append(f"{f.path}: sha256 {digest} ({size} bytes), registered {f.sha256} ({f.size} bytes)")
    return tuple(problems)


def _import_from(dataset: Dataset, candidates: _Candidates, root: Path) -> ImportReport:
    start = time.perf_counter()
    staging = staging_dir(root, dataset.name)
    try:
        try:
            detail = _BUILDERS[dataset.builder](dataset, candidates, staging)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:   # a broken archive
            raise ImportSourceError(dataset.name, candidates.source, f"cannot read it: {exc}") from exc
        problems = _check_stored(dataset, staging)
        if problems:
            raise ImportSourceError(dataset.name, candidates.source,
                                    "the result differs from the registered files: " + "; ".join(problems))
        manifest = {"dataset": dataset.name, "source": str(candidates.source), "detail": detail,
                    "imported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "grader_version": __version__}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        install_dir(staging, dataset.folder(root))
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return ImportReport(dataset.name, dataset.folder(root), candidates.source,
                        tuple((f.path, f.size) for f in dataset.files), detail, time.perf_counter() - start)


def _open_source(name: str, source: Path) -> _Candidates:
    source = Path(source).expanduser().resolve()
    if not source.exists():
        raise ImportSourceError(name, source, "no such file or folder")
    return _Candidates(source)


# --------------------------------------------------------------------------- public functions

def import_dataset(name: str, source: Path, *, root: Path | None = None) -> ImportReport:
    """Copy dataset ``name`` from a folder, an archive or a file the user has, and verify it.

    ``source`` may be the dataset's own folder (``shared/data/mnist``), any folder above it
    (searched by file name), a tar or zip archive holding the files, or, for IMDB, an
    ``aclImdb`` folder or either known archive. Raises :class:`ImportSourceError` when the
    files are not there or their checksums differ; the data root is then unchanged.
    """
    dataset = get_dataset(name)
    return _import_from(dataset, _open_source(name, source), root or data_root())


def import_all(source: Path, *, root: Path | None = None
               ) -> tuple[list[ImportReport], list[str], list[ImportSourceError]]:
    """Import every registered dataset found under ``source`` (walked once).

    Returns ``(imported, skipped names, errors)``: a dataset with no file under ``source``
    is skipped; one whose files are there but wrong is an error, and the others still import.
    """
    candidates = _open_source("all", source)
    imported, skipped, errors = [], [], []
    for dataset in DATASETS.values():
        try:
            imported.append(_import_from(dataset, candidates, root or data_root()))
        except _NothingFound:
            skipped.append(dataset.name)
        except ImportSourceError as exc:
            errors.append(exc)
    return imported, skipped, errors


def is_present(name: str, *, root: Path | None = None) -> bool:
    """Whether all stored files of ``name`` exist (no hashing: ``verify_datasets`` does that)."""
    try:
        require(name, root=root)
    except DatasetMissing:
        return False
    return True


def verify_datasets(names: tuple[str, ...] = (), *, root: Path | None = None) -> list[VerifyResult]:
    """Re-hash the stored files of ``names`` (default: every registered dataset).

    A dataset whose folder does not exist is ``missing``; one with a file absent or
    differing from its registered sha256 is ``corrupt``, with one problem line per file.
    """
    results = []
    for name in names or tuple(DATASETS):
        dataset = get_dataset(name)
        folder = dataset.folder(root)
        if not folder.is_dir():
            results.append(VerifyResult(name, "missing", folder))
            continue
        problems = _check_stored(dataset, folder)
        results.append(VerifyResult(name, "corrupt" if problems else "ok", folder, problems))
    return results


def _download_units(dataset: Dataset) -> tuple[tuple[DataFile, ...], ...]:
    """Alternatives, each a set of files that together make the dataset: the stored files
    themselves, or one of its archives (in registry order)."""
    if dataset.builder == "copy":
        return (dataset.files,)
    return tuple((a,) for a in dataset.archives)


def fetch_dataset(name: str, *, root: Path | None = None, mirror: str | None = None, force: bool = False,
                  progress: bool = True) -> ImportReport | None:
    """Download ``name`` (mirrors in order, resumable, checksummed) and import it.

    ``mirror`` is a base URL tried first as ``<mirror>/<name>/<file>``: a course's own copy
    laid out like ``shared/data``. Returns ``None`` when the dataset is already there and
    verifies (``force`` downloads anyway). Raises :class:`FetchError` when no URL works.
    """
    dataset = get_dataset(name)
    root = root or data_root()
    if not force and verify_datasets((name,), root=root)[0].ok:
        return None
    downloads = root / ".downloads" / name
    failures: list[str] = []
    for unit in _download_units(dataset):
        urls = {f.path: ((f"{mirror.rstrip('/')}/{name}/{f.basename}",) if mirror else ()) + f.urls for f in unit}
        if not all(urls.values()):
            continue   # an input with no URL (the repacked IMDB archive) is import-only
        try:
            for f in unit:
                download(urls[f.path], downloads / f.basename, sha256=f.sha256, size=f.size, progress=progress)
        except FetchError as exc:
            failures.extend(exc.failures)
            continue
        source = downloads / unit[0].basename if dataset.builder == "aclimdb" else downloads
        report = import_dataset(name, source, root=root)
        shutil.rmtree(downloads, ignore_errors=True)
        return report
    raise FetchError(", ".join(f.basename for f in _download_units(dataset)[0]), tuple(failures), name)
