"""Readers for the dataset files as ``grader data`` stores them, usable on both sides.

Dependency-free apart from numpy (no ``grader`` import), so the sandboxed worker can read
the files bound under ``/data/<name>/`` and the trusted side can use the very same code:
``grader.worker.datafiles`` there, ``graderworker.datafiles`` in the sandbox (issue 20 asks
for one reader per format; ``grader.datasets.mnist`` and the probes may move onto this one).

- MNIST: IDX files (LeCun's format: two zero bytes, a type code, the number of dimensions,
  one big-endian uint32 per dimension, then the values in C order, big-endian), gzipped or raw.
- IMDB: JSON lines, one review a line (``train.jsonl``: ``id``, ``label``, ``rating``, ``text``;
  ``test_texts.jsonl``: ``id``, ``text``).
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np

__all__ = ["SANDBOX_DATA", "MNIST_FILES", "parse_idx", "read_idx", "read_mnist", "read_jsonl", "read_imdb_train"]

#: where the sandbox sees the datasets a rubric lists (``GRADER_SANDBOX_DATA`` overrides it, for tests)
SANDBOX_DATA = Path(os.environ.get("GRADER_SANDBOX_DATA", "/data"))
#: split -> (images file, labels file), as stored under ``<data>/mnist/``
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(data: bytes, *, what: str = "IDX data") -> np.ndarray:
    """Decode IDX bytes into an array of native byte order; ``ValueError`` says what is wrong."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{what}: not an IDX file (the first two bytes must be zero)")
    code, ndim = data[2], data[3]
    if code not in _IDX_TYPES:
        raise ValueError(f"{what}: unknown IDX type code 0x{code:02x}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{what}: header cut short ({len(data)} bytes for {ndim} dimensions)")
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise ValueError(f"{what}: shape {shape} needs {expected} bytes of values, found {len(data) - header}")
    values = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file, gzipped (recognised by its magic bytes) or raw."""
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return parse_idx(data, what=str(path))


def read_mnist(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """``(images uint8 (N, 28, 28), labels int64 (N,))`` of MNIST's ``train`` or ``test`` in ``folder``."""
    images_file, labels_file = MNIST_FILES[split]
    images = read_idx(Path(folder) / images_file)
    labels = read_idx(Path(folder) / labels_file)
    if images.dtype != np.uint8 or images.ndim != 3 or labels.shape != (images.shape[0],):
        raise ValueError(f"{folder}: MNIST {split} files hold {images.dtype} {images.shape} images "
                         f"and {labels.shape} labels")
    return images, labels.astype(np.int64)


def read_jsonl(path: Path) -> list[dict]:
    """Every line of a JSON-lines file, as dicts."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_imdb_train(folder: Path) -> tuple[list[str], np.ndarray]:
    """IMDB's train split in ``folder``: ``(texts, labels int64)``, 1 = positive, neg rows first."""
    rows = read_jsonl(Path(folder) / "train.jsonl")
    return [r["text"] for r in rows], np.array([int(r["label"]) for r in rows], dtype=np.int64)
