"""MNIST from its four IDX files, with our own IDX parser (no torchvision).

IDX (LeCun's format): two zero bytes, a type code, the number of dimensions, then one
big-endian uint32 per dimension, then the values in C order, big-endian.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Literal

import numpy as np

from grader.datasets.errors import DatasetCorrupt
from grader.datasets.paths import require

__all__ = ["MNIST_FILES", "load_mnist", "parse_idx", "read_idx"]

#: split -> (images file, labels file)
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
        head = fh.read(2)
        fh.seek(0)
        data = gzip.decompress(fh.read()) if head == b"\x1f\x8b" else fh.read()
    return parse_idx(data, what=str(path))


def load_mnist(split: Literal["train", "test"], root: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST ``split`` as ``(images uint8 (N, 28, 28), labels int64 (N,))``; N is 60000 or 10000.

    Reads only the two files of that split, so ``load_mnist("train", root=Path("/data"))``
    works inside the sandbox, where the test labels are absent. ``root`` is the data root
    (default :func:`data_root`); a missing file raises :class:`DatasetMissing`.
    """
    if split not in MNIST_FILES:
        raise ValueError(f"MNIST split must be 'train' or 'test', not {split!r}")
    images_file, labels_file = MNIST_FILES[split]
    folder = require("mnist", root=root, files=MNIST_FILES[split])
    try:
        images = read_idx(folder / images_file)
        labels = read_idx(folder / labels_file)
    except (ValueError, EOFError, OSError) as exc:   # gzip raises BadGzipFile (an OSError) or EOFError
        raise DatasetCorrupt("mnist", (f"{split}: {exc}",)) from exc
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DatasetCorrupt("mnist", (f"{images_file}: expected uint8 (N, 28, 28), found {images.dtype} {images.shape}",))
    if labels.shape != (images.shape[0],):
        raise DatasetCorrupt("mnist", (f"{labels_file}: {labels.shape[0]} labels for {images.shape[0]} images",))
    return images, labels.astype(np.int64)
