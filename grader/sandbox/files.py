"""Reading and deleting what the worker wrote, without following anything it planted.

Everything in a worker's workspace copy is the student's: a file may be a symbolic
link to ``/etc/shadow``, a folder may be a link to the grader's project, a "result"
may be a FIFO that blocks forever or a hard link to a file elsewhere. The trusted
side therefore walks the workspace only through directory file descriptors:

- ``read_worker_file(workspace, relative, max_bytes)``: ``openat`` one component at
  a time with ``O_NOFOLLOW`` (a link anywhere on the path is refused), ``O_NONBLOCK``
  (a FIFO cannot block us), then checks the opened file itself: a regular file, one
  link (``st_nlink == 1``), at most ``max_bytes``;
- ``remove_tree(path)``: deletes a folder with ``unlinkat``/``openat`` relative to
  folder fds, never descending through a link and never leaving its file system.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath

__all__ = ["UnsafeWorkerFile", "read_worker_file", "remove_tree", "empty_folder"]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0)


class UnsafeWorkerFile(Exception):
    """A file the worker wrote that the grader refuses to read; the message says why."""


def _components(relative: str) -> list[str]:
    if "\x00" in relative:
        raise UnsafeWorkerFile(f"refusing to read {relative!r}: the name holds a NUL byte")
    path = PurePosixPath(relative)
    if path.is_absolute():
        raise UnsafeWorkerFile(f"refusing to read {relative}: give a path inside the workspace, not an absolute one")
    parts = [p for p in path.parts if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        raise UnsafeWorkerFile(f"refusing to read {relative!r}: it must name a file inside the workspace")
    return parts


def read_worker_file(workspace: Path, relative: str, max_bytes: int) -> bytes:
    """The bytes of ``workspace/relative``, read without following links; see the module docstring."""
    parts = _components(relative)
    try:
        dir_fd = os.open(workspace, _DIR_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise UnsafeWorkerFile(f"refusing to read {relative}: the workspace itself was replaced by a symbolic "
                                   "link or a file (the grader never follows links)") from None
        raise UnsafeWorkerFile(f"cannot open the workspace {workspace}: {exc.strerror}") from None
    try:
        walked = []
        for part in parts[:-1]:
            walked.append(part)
            try:
                next_fd = os.open(part, _DIR_FLAGS, dir_fd=dir_fd)
            except OSError as exc:
                raise UnsafeWorkerFile(_refusal(relative, "/".join(walked), exc, folder=True)) from None
            os.close(dir_fd)
            dir_fd = next_fd
        try:
            fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=dir_fd)
        except OSError as exc:
            raise UnsafeWorkerFile(_refusal(relative, relative, exc, folder=False)) from None
    finally:
        os.close(dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeWorkerFile(f"refusing to read {relative}: it is not a regular file "
                                   f"({_kind(info.st_mode)})")
        if info.st_nlink != 1:
            raise UnsafeWorkerFile(f"refusing to read {relative}: it has {info.st_nlink} hard links "
                                   "(a file the worker linked from elsewhere)")
        if info.st_size > max_bytes:
            raise UnsafeWorkerFile(f"refusing to read {relative}: it holds {info.st_size} bytes, "
                                   f"more than the {max_bytes}-byte limit")
        chunks = []
        remaining = max_bytes + 1
        while remaining > 0:
            try:
                chunk = os.read(fd, min(remaining, 1 << 20))
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise UnsafeWorkerFile(f"refusing to read {relative}: it grew past the {max_bytes}-byte limit "
                                   "while being read")
        return data
    finally:
        os.close(fd)


def _refusal(relative: str, where: str, exc: OSError, *, folder: bool) -> str:
    if exc.errno == errno.ELOOP:
        return f"refusing to read {relative}: {where} is a symbolic link (the grader never follows links)"
    if exc.errno == errno.ENOTDIR:
        return (f"refusing to read {relative}: {where} is a symbolic link or not a folder "
                "(the grader never follows links)")
    if exc.errno == errno.ENOENT:
        return f"{relative} was not written: {where} does not exist in the workspace"
    if exc.errno == errno.ENXIO:
        return f"refusing to read {relative}: it is a socket or a device"
    kind = "folder" if folder else "file"
    return f"cannot read {relative}: the {kind} {where} could not be opened ({exc.strerror})"


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "an unusual file"


def remove_tree(path: Path) -> None:
    """Delete ``path`` and everything below it, never following links or leaving its file system.

    Folders the student made unreadable are made readable first (for a grader not run as root).
    A link at ``path`` itself is removed, not followed. Missing ``path`` is fine.
    """
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(path)
        return
    parent_fd = os.open(path.parent, _DIR_FLAGS)
    try:
        _remove_entry(parent_fd, path.name, info.st_dev)
    finally:
        os.close(parent_fd)


def empty_folder(path: Path, *, keep_mounts: bool = False) -> None:
    """Delete everything inside the folder ``path`` (kept itself: a mount point or a bind mount's source),
    with the same care as ``remove_tree``; ``path`` must be a real folder, not a link.

    ``keep_mounts``: leave the mount points below ``path`` and the folders leading to them,
    deleting everything else. A warm sandbox's ``/tmp`` needs it when a path bound into the
    sandbox lies under the host's ``/tmp`` (a checkout in ``/tmp`` with its ``.venv`` inside):
    bwrap made the folders leading to it on the sandbox's tmpfs.
    """
    fd = os.open(path, _DIR_FLAGS)
    try:
        device = os.fstat(fd).st_dev
        for name in os.listdir(fd):
            if keep_mounts:
                _remove_around_mounts(fd, name, device)
            else:
                _remove_entry(fd, name, device)
    finally:
        os.close(fd)


def _remove_around_mounts(parent_fd: int, name: str, device: int) -> bool:
    """Remove ``name`` unless it is, or leads to, a mount point; True if it is gone."""
    try:
        info = os.lstat(name, dir_fd=parent_fd)
    except FileNotFoundError:
        return True
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(name, dir_fd=parent_fd)
        return True
    if info.st_dev != device:
        return False  # a mount point: kept, with everything in it
    fd = os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
    try:
        if os.fstat(fd).st_dev != device:
            return False
        gone = [_remove_around_mounts(fd, entry, device) for entry in os.listdir(fd)]
    finally:
        os.close(fd)
    if all(gone):
        os.rmdir(name, dir_fd=parent_fd)
        return True
    return False


def _remove_entry(parent_fd: int, name: str, device: int) -> None:
    try:
        info = os.lstat(name, dir_fd=parent_fd)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(name, dir_fd=parent_fd)
        return
    if info.st_dev != device:
        raise OSError(errno.EXDEV, f"refusing to delete across a mount point: {name}")
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
    except PermissionError:  # a folder the student made unreadable (only matters when we are not root)
        _chmod_nofollow(parent_fd, name, 0o700)
        fd = os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
    try:
        if os.fstat(fd).st_dev != device:
            raise OSError(errno.EXDEV, f"refusing to delete across a mount point: {name}")
        try:
            entries = os.listdir(fd)
        except PermissionError:
            os.chmod(f"/proc/self/fd/{fd}", 0o700)
            entries = os.listdir(fd)
        for entry in entries:
            _remove_entry(fd, entry, device)
    finally:
        os.close(fd)
    os.rmdir(name, dir_fd=parent_fd)


def _chmod_nofollow(parent_fd: int, name: str, mode: int) -> None:
    """chmod the folder ``name`` itself, even if it is swapped for a link meanwhile (via an O_PATH fd)."""
    fd = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=parent_fd)
    try:
        os.chmod(f"/proc/self/fd/{fd}", mode)
    finally:
        os.close(fd)
