"""Turn a submission (a .zip, a folder or a single .py) into a clean workspace folder.

Nothing in a submission is trusted: zip entries with absolute paths, ``..``, symlinks
or device types are refused, as are too many files or too many bytes (checked from
the real decompressed size, not the size the archive claims). A zip whose files all
sit in one top folder is flattened. Editor and OS litter (``__MACOSX``, ``.DS_Store``,
``__pycache__``) is dropped. The submission's sha256 goes in the report.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = ["NotGradable", "Workspace", "IntakeLimits", "prepare_workspace"]

_LITTER = {"__MACOSX", ".DS_Store", "__pycache__", ".ipynb_checkpoints", "Thumbs.db", ".git"}


class NotGradable(Exception):
    """The submission cannot be graded at all; the message says why and what to do."""


@dataclass(frozen=True)
class IntakeLimits:
    max_files: int = 2000
    max_bytes: int = 512 * 1024 * 1024
    max_ratio: int = 200  # decompressed / compressed, per entry, beyond a small floor


@dataclass(frozen=True)
class Workspace:
    path: Path
    files: tuple[str, ...]
    sha256: str
    source_name: str


def prepare_workspace(submission: Path, dest: Path, limits: IntakeLimits = IntakeLimits()) -> Workspace:
    """Unpack or copy ``submission`` into the empty folder ``dest`` and describe it."""
    submission = Path(submission)
    dest.mkdir(parents=True, exist_ok=True)
    if submission.is_symlink():
        raise NotGradable(f"{submission.name} is a symbolic link; submit the file itself")
    if submission.is_dir():
        digest = _copy_folder(submission, dest, limits)
    elif submission.is_file() and submission.suffix.lower() == ".zip":
        digest = _file_sha256(submission)
        _unzip(submission, dest, limits)
    elif submission.is_file() and submission.suffix.lower() in (".py", ".ipynb"):
        digest = _file_sha256(submission)
        shutil.copyfile(submission, dest / submission.name)
    elif not submission.exists():
        raise NotGradable(f"{submission} does not exist")
    else:
        raise NotGradable(f"{submission.name}: a submission must be a .zip, a folder, a .py or an .ipynb file")
    _flatten_single_top_folder(dest)
    files = tuple(sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()))
    if not files:
        raise NotGradable(f"{submission.name} holds no files")
    return Workspace(path=dest, files=files, sha256=digest, source_name=submission.name)


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _is_litter(parts: tuple[str, ...]) -> bool:
    return any(part in _LITTER or part.startswith("._") for part in parts)


def _safe_parts(name: str, source: str) -> tuple[str, ...]:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise NotGradable(f"{source}: refusing the absolute path {name!r}")
    if any(part == ".." for part in path.parts):
        raise NotGradable(f"{source}: refusing {name!r}, which points outside the submission")
    return tuple(p for p in path.parts if p not in ("", "."))


def _unzip(archive: Path, dest: Path, limits: IntakeLimits) -> None:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise NotGradable(f"{archive.name} is not a readable zip file ({exc}); re-create it and submit again") from None
    with zf:
        infos = zf.infolist()
        files = [i for i in infos if not i.is_dir()]
        if len(files) > limits.max_files:
            raise NotGradable(f"{archive.name} holds {len(files)} files; the limit is {limits.max_files}")
        total = 0
        for info in files:
            parts = _safe_parts(info.filename, archive.name)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise NotGradable(f"{archive.name}: refusing the symbolic link {info.filename!r}")
            if mode and not (stat.S_ISREG(mode) or stat.S_IFMT(mode) == 0):
                raise NotGradable(f"{archive.name}: refusing {info.filename!r}, which is not a regular file")
            if not parts or _is_litter(parts):
                continue
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            try:
                with zf.open(info) as src, target.open("wb") as out:
                    for chunk in iter(lambda: src.read(1 << 20), b""):
                        written += len(chunk)
                        total += len(chunk)
                        if total > limits.max_bytes:
                            raise NotGradable(f"{archive.name} unpacks to more than "
                                              f"{limits.max_bytes // 2**20} MiB; remove data files and checkpoints")
                        if written > 1 << 20 and written > limits.max_ratio * max(info.compress_size, 1):
                            raise NotGradable(f"{archive.name}: {info.filename!r} expands more than "
                                              f"{limits.max_ratio}x (a zip bomb?); refusing it")
                        out.write(chunk)
            except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
                raise NotGradable(f"{archive.name} is damaged ({info.filename}: {exc}); re-create it") from None


def _copy_folder(src: Path, dest: Path, limits: IntakeLimits) -> str:
    """Copy a submitted folder without following links; the digest covers names and contents."""
    digest = hashlib.sha256()
    count = total = 0
    for root, dirs, files in os.walk(src, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not _is_litter((d,)))
        rel_root = Path(root).relative_to(src)
        for name in sorted(files):
            if _is_litter((name,)):
                continue
            path = Path(root) / name
            info = path.lstat()
            rel = rel_root / name
            if stat.S_ISLNK(info.st_mode):
                raise NotGradable(f"refusing the symbolic link {rel} in the submitted folder")
            if not stat.S_ISREG(info.st_mode):
                raise NotGradable(f"refusing {rel}, which is not a regular file")
            count += 1
            total += info.st_size
            if count > limits.max_files:
                raise NotGradable(f"the submitted folder holds more than {limits.max_files} files")
            if total > limits.max_bytes:
                raise NotGradable(f"the submitted folder holds more than {limits.max_bytes // 2**20} MiB")
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            digest.update(str(rel.as_posix()).encode() + b"\0")
            digest.update(hashlib.sha256(target.read_bytes()).digest())
        for d in dirs:
            if (Path(root) / d).is_symlink():
                raise NotGradable(f"refusing the symbolic link {rel_root / d} in the submitted folder")
    return digest.hexdigest()


def _flatten_single_top_folder(dest: Path) -> None:
    """``hw1/mlp.py, hw1/gd.py`` becomes ``mlp.py, gd.py`` (a common way students zip).

    A lone Python package folder (one with ``__init__.py``) is kept as it is.
    """
    entries = list(dest.iterdir())
    if (len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink()
            and not (entries[0] / "__init__.py").exists()):
        top = entries[0]
        holding = dest / (".flatten-" + top.name)
        top.rename(holding)
        for child in holding.iterdir():
            child.rename(dest / child.name)
        holding.rmdir()
