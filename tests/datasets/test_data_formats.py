"""The format readers on small synthetic inputs: IDX files and the aclImdb layout."""

from __future__ import annotations

import gzip
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest

from grader.datasets import ImportSourceError, read_idx
from grader.datasets.imdb import build_imdb_files, iter_aclimdb
from grader.datasets.mnist import parse_idx
from grader.datasets.store import import_dataset


def _idx(array: np.ndarray, code: int) -> bytes:
    big = array.astype(array.dtype.newbyteorder(">"))
    return bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + big.tobytes()


@pytest.mark.parametrize(("dtype", "code"), [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B),
                                             (np.int32, 0x0C), (np.float32, 0x0D), (np.float64, 0x0E)])
def test_idx_round_trip(tmp_path, dtype, code):
    array = (np.arange(2 * 3 * 4) - 5).reshape(2, 3, 4).astype(dtype)
    (tmp_path / "a.idx").write_bytes(_idx(array, code))
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(_idx(array, code)))
    for path in (tmp_path / "a.idx", tmp_path / "a.idx.gz"):
        got = read_idx(path)
        assert got.dtype == np.dtype(dtype).newbyteorder("=") and np.array_equal(got, array)


@pytest.mark.parametrize(("data", "message"), [
    (b"\x01\x00\x08\x01\x00\x00\x00\x01\x07", "first two bytes must be zero"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x07", "unknown IDX type code 0x07"),
    (b"\x00\x00\x08\x03\x00\x00", "header cut short"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x03\x07", r"shape \(3,\) needs 3 bytes of values, found 1"),
])
def test_idx_errors_say_what_is_wrong(data, message):
    with pytest.raises(ValueError, match=message):
        parse_idx(data)


def _tiny_aclimdb(top: Path) -> None:
    for split in ("train", "test"):
        for polarity, rating in (("pos", 9), ("neg", 2)):
            folder = top / "aclImdb" / split / polarity
            folder.mkdir(parents=True)
            for i in range(3):
                (folder / f"{i}_{rating}.txt").write_text(f"{split} {polarity} review {i} \u00e9<br />", "utf-8")
    (top / "aclImdb" / "train" / "unsup").mkdir()
    (top / "aclImdb" / "train" / "unsup" / "0_0.txt").write_text("unlabelled")
    (top / "aclImdb" / "README").write_text("readme")


def test_aclimdb_folder_and_archive_read_the_same(tmp_path):
    _tiny_aclimdb(tmp_path / "src")
    with tarfile.open(tmp_path / "a.tar.gz", "w:gz") as tf:
        tf.add(tmp_path / "src" / "aclImdb", arcname="aclImdb")
    key = lambda r: (r.split, r.label, r.id)
    from_folder = sorted(iter_aclimdb(tmp_path / "src"), key=key)
    from_inner = sorted(iter_aclimdb(tmp_path / "src" / "aclImdb"), key=key)
    from_tar = sorted(iter_aclimdb(tmp_path / "a.tar.gz"), key=key)
    assert from_folder == from_inner == from_tar and len(from_folder) == 12   # unsup is not read
    r = from_folder[0]
    assert (r.split, r.label, r.id, r.rating, r.source) == ("test", 0, 0, 2, "test/neg/0_2.txt")
    assert r.text == "test neg review 0 \u00e9<br />"


def test_an_incomplete_aclimdb_is_refused_with_counts(tmp_path):
    _tiny_aclimdb(tmp_path / "src")
    with pytest.raises(ValueError, match=r"train/neg holds 3 of the 12500 reviews"):
        build_imdb_files(tmp_path / "src", tmp_path)
    with pytest.raises(ImportSourceError, match="test/pos holds 3 of the 12500"):
        import_dataset("imdb", tmp_path / "src", root=tmp_path / "data")
    assert not (tmp_path / "data" / "imdb").exists()
