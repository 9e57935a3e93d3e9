"""Small file helpers shared by import, fetch and verify: hashing, copying, atomic install."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def copy_hashing(src: BinaryIO, dest: Path) -> tuple[str, int]:
    """Copy a stream to ``dest``, returning (sha256, size) of what was written: one read, one write."""
    digest = hashlib.sha256()
    size = 0
    with open(dest, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def staging_dir(root: Path, name: str) -> Path:
    """A fresh folder beside the final one (same filesystem, so the install is one rename)."""
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{name}.importing-", dir=root))


def install_dir(staging: Path, final: Path) -> None:
    """Replace ``final`` by ``staging`` so a reader sees the old copy or the new one, never half of each.

    Files become read-only for everyone and the folder world-readable: the sandboxed worker
    runs as another uid and must be able to read what is bound in, and nobody should edit it.
    """
    for path in staging.rglob("*"):
        if path.is_file():
            path.chmod(0o444)
    staging.chmod(0o755)
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        final.rename(old)
    staging.rename(final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
