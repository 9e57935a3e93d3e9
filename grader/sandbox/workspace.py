"""A worker's own copy of the submission, on a size-capped file system where the host allows it.

Each worker starts on a fresh copy (so what one worker wrote never reaches the next
one, nor the grader's own copy that static checks read). Where the grader may mount
(root with ``CAP_SYS_ADMIN``), the copy lives on a private tmpfs of
``Limits.disk_mb`` bytes and ``Limits.files`` inodes, mounted ``nosuid,nodev``: filling
it ends in ``ENOSPC`` for the student, never in a full disk for the host, and a hard
link to a file outside cannot exist on it. Elsewhere the copy is a plain folder and
``WorkerProcess`` measures it every second instead.

Layout::

    <root>/             the tmpfs (or a plain folder), root-owned, 0755
    <root>/workspace/   the copy, owned by the worker's uid
    <root>/home/        HOME and TMPDIR for backends that need one on the host (rlimit)
"""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from grader.sandbox.files import remove_tree
from grader.sandbox.limits import Limits

__all__ = ["WorkerWorkspace", "tmpfs_unavailable_reason", "remount_tmpfs"]

_MS_NOSUID, _MS_NODEV, _MS_REMOUNT = 2, 4, 32
_MNT_DETACH = 2


def _libc():  # type: ignore[no-untyped-def]
    return ctypes.CDLL(None, use_errno=True)


def _mount_tmpfs(target: Path, size_bytes: int, inodes: int) -> None:
    data = f"size={size_bytes},nr_inodes={inodes},mode=0755".encode()
    if _libc().mount(b"tmpfs", str(target).encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, data) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def remount_tmpfs(target: Path, size_bytes: int, inodes: int) -> None:
    """Change the caps of a tmpfs mounted by ``_mount_tmpfs`` (a warm worker's, between submissions)."""
    data = f"size={size_bytes},nr_inodes={inodes}".encode()
    flags = _MS_REMOUNT | _MS_NOSUID | _MS_NODEV
    if _libc().mount(b"tmpfs", str(target).encode(), b"tmpfs", flags, data) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _umount(target: Path) -> None:
    if _libc().umount2(str(target).encode(), _MNT_DETACH) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


@lru_cache(maxsize=1)
def tmpfs_unavailable_reason() -> str | None:
    """None when the grader can mount a size-capped tmpfs for each worker (checked once)."""
    if os.geteuid() != 0:
        return "the grader is not root, so it cannot mount a size-capped tmpfs for the workspace"
    probe = Path(tempfile.mkdtemp(prefix="grader-mount-probe-"))
    try:
        _mount_tmpfs(probe, 1 << 20, 16)
    except OSError as exc:
        return f"mounting a tmpfs failed ({exc.strerror}); the workspace size is watched instead"
    else:
        _umount(probe)
        return None
    finally:
        os.rmdir(probe)


class WorkerWorkspace:
    """One worker's workspace copy and home; ``remove()`` unmounts and deletes both."""

    def __init__(self, root: Path, mounted: bool):
        self.root = root
        self.mounted = mounted
        self.path = root / "workspace"
        self.home = root / "home"

    @classmethod
    def create(cls, source: Path, root: Path, limits: Limits) -> WorkerWorkspace:
        root.mkdir(mode=0o755)
        mounted = False
        if tmpfs_unavailable_reason() is None:
            # the copy itself needs room too: intake caps it, and the cap is for what the worker adds
            used = cls.bytes_needed(source)
            _mount_tmpfs(root, limits.disk_mb * 1024 * 1024 + used, limits.files + cls.entries(source) + 8)
            mounted = True
        workspace = cls(root, mounted)
        try:
            shutil.copytree(source, workspace.path, symlinks=True)
            workspace.home.mkdir(mode=0o700)
        except BaseException:
            workspace.remove()
            raise
        return workspace

    @classmethod
    def create_empty(cls, root: Path, limits: Limits) -> WorkerWorkspace:
        """An empty workspace on a mounted tmpfs (a warm worker's; ``remount_tmpfs`` resizes it per submission)."""
        root.mkdir(mode=0o755)
        try:
            _mount_tmpfs(root, limits.disk_mb * 1024 * 1024, limits.files + 8)
        except OSError:
            root.rmdir()
            raise
        workspace = cls(root, mounted=True)
        try:
            workspace.path.mkdir(mode=0o755)
        except BaseException:
            workspace.remove()
            raise
        return workspace

    @staticmethod
    def bytes_needed(source: Path) -> int:
        """Room a copy of ``source`` takes on the tmpfs (file sizes plus a block per entry)."""
        return sum(p.lstat().st_size for p in source.rglob("*") if not p.is_dir()) + 4096 * _tree_entries(source)

    @staticmethod
    def entries(source: Path) -> int:
        return _tree_entries(source)

    def remove(self) -> None:
        if self.mounted:
            try:
                _umount(self.root)
            except OSError:
                pass
            self.mounted = False
        remove_tree(self.root)


def _tree_entries(path: Path) -> int:
    return sum(1 for _ in path.rglob("*"))
