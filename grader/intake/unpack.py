"""Turn a submission (a .zip, a folder or a single .py) into a clean workspace folder.

Nothing in a submission is trusted: zip entries with absolute paths, ``..``, symlinks
or device types are refused, as are too many files (counted from the archive's own
directory record before it is parsed) or too many bytes (checked from the real
decompressed size, not the size the archive claims), entries that expand more than
``max_ratio`` times, two entries with one name, names with control, bidi-override or
zero-width characters or longer than the file system allows, and encrypted entries.
A submitted folder may not hold links (symbolic or hard). A zip inside the zip is kept
as a file, never expanded. A zip whose files all sit in one top folder is flattened.
Editor and OS litter (``__MACOSX``, ``.DS_Store``, ``__pycache__``) is dropped. The
submission's sha256 goes in the report.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import struct
import unicodedata
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


_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                       "\u2066\u2067\u2068\u2069\ufeff")


def _check_name(name: str, source: str) -> None:
    """Refuse names that hide what they are: control, bidi-override, zero-width or unassigned characters."""
    for char in name:
        if char in _INVISIBLE or unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            raise NotGradable(f"{source}: refusing the file name {ascii(name)}: it holds the invisible or control "
                              f"character U+{ord(char):04X}; rename the file with plain letters")
    if len(name.encode("utf-8", "surrogatepass")) > 1024:
        raise NotGradable(f"{source}: refusing a file name of {len(name)} characters; shorten it")


def _safe_parts(name: str, source: str) -> tuple[str, ...]:
    _check_name(name, source)
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise NotGradable(f"{source}: refusing the absolute path {name!r}")
    if any(part == ".." for part in path.parts):
        raise NotGradable(f"{source}: refusing {name!r}, which points outside the submission")
    parts = tuple(p for p in path.parts if p not in ("", "."))
    for part in parts:
        if len(part.encode("utf-8", "surrogatepass")) > 255:
            raise NotGradable(f"{source}: refusing {ascii(name)}: a name part is longer than 255 bytes; shorten it")
    return parts


def _claimed_entries(archive: Path) -> int | None:
    """The entry count the zip's end-of-central-directory record claims (read before parsing it)."""
    try:
        with archive.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 65_558))
            tail = f.read()
    except OSError:
        return None
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    (count,) = struct.unpack("<H", tail[at + 10 : at + 12])
    if count != 0xFFFF:
        return count
    # zip64: the locator just before the end record gives the zip64 end record's offset
    locator = at - 20
    if locator < 0 or tail[locator : locator + 4] != b"PK\x06\x07":
        return None
    (offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
    try:
        with archive.open("rb") as f:
            f.seek(offset)
            record = f.read(56)
    except OSError:
        return None
    if len(record) < 40 or record[:4] != b"PK\x06\x06":
        return None
    (count64,) = struct.unpack("<Q", record[32:40])
    return count64


def _unzip(archive: Path, dest: Path, limits: IntakeLimits) -> None:
    claimed = _claimed_entries(archive)
    if claimed is not None and claimed > limits.max_files:
        raise NotGradable(f"{archive.name} holds {claimed} files; the limit is {limits.max_files}")
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise NotGradable(f"{archive.name} is not a readable zip file ({exc}); re-create it and submit again") from None
    with zf:
        infos = zf.infolist()
        files = [i for i in infos if not i.is_dir()]
        if len(files) > limits.max_files:
            raise NotGradable(f"{archive.name} holds {len(files)} files; the limit is {limits.max_files}")
        seen: set[tuple[str, ...]] = set()
        for info in files:
            parts = _safe_parts(info.filename, archive.name)
            if parts in seen:
                raise NotGradable(f"{archive.name} holds two entries named {'/'.join(parts)!r}; "
                                  "re-create the zip from a folder")
            seen.add(parts)
            if info.flag_bits & 0x1:
                raise NotGradable(f"{archive.name}: {info.filename!r} is encrypted (password-protected); "
                                  "submit a zip without a password")
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
            except NotImplementedError as exc:
                raise NotGradable(f"{archive.name}: {info.filename!r} uses a compression this grader cannot read "
                                  f"({exc}); re-create the zip with the usual (deflate) compression") from None
            except RuntimeError as exc:  # zipfile's "password required" and friends
                raise NotGradable(f"{archive.name}: {info.filename!r} cannot be read ({exc}); "
                                  "re-create the zip without a password") from None


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
            _check_name(str(rel), "the submitted folder")
            if stat.S_ISLNK(info.st_mode):
                raise NotGradable(f"refusing the symbolic link {rel} in the submitted folder")
            if not stat.S_ISREG(info.st_mode):
                raise NotGradable(f"refusing {rel}, which is not a regular file")
            if info.st_nlink > 1:
                raise NotGradable(f"refusing {rel}: it is a hard link ({info.st_nlink} names for one file); "
                                  "submit a copy of the file instead")
            count += 1
            total += info.st_size
            if count > limits.max_files:
                raise NotGradable(f"the submitted folder holds more than {limits.max_files} files")
            if total > limits.max_bytes:
                raise NotGradable(f"the submitted folder holds more than {limits.max_bytes // 2**20} MiB")
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            file_hash = _copy_regular_file(path, target, rel)
            digest.update(str(rel.as_posix()).encode() + b"\0")
            digest.update(file_hash)
        for d in dirs:
            if (Path(root) / d).is_symlink():
                raise NotGradable(f"refusing the symbolic link {rel_root / d} in the submitted folder")
    return digest.hexdigest()


def _copy_regular_file(path: Path, target: Path, rel: Path) -> bytes:
    """Copy ``path`` to ``target`` through one fd opened without following links; its sha256."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise NotGradable(f"cannot read {rel} in the submitted folder ({exc.strerror})") from None
    h = hashlib.sha256()
    with os.fdopen(fd, "rb") as src:
        info = os.fstat(src.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
            raise NotGradable(f"refusing {rel}, which changed into something other than a plain file")
        with open(target, "wb") as out:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                h.update(chunk)
                out.write(chunk)
    return h.digest()


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
