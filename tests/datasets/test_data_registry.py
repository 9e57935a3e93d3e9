"""The registry is consistent, its trust split is explicit, and the docs list its checksums."""

from __future__ import annotations

from pathlib import Path

import pytest

import grader.datasets as gd
from grader.datasets import get_dataset
from grader.datasets.registry import DATASETS, DataFile, Dataset

REPO = Path(__file__).resolve().parents[2]


def test_public_surface_is_pinned():
    assert sorted(gd.__all__) == sorted([
        "SANDBOX_DATA_DIR", "DataFile", "Dataset", "DatasetCorrupt", "DatasetError", "DatasetMissing",
        "FetchError", "ImportSourceError", "UnknownDataset", "data_root", "dataset_names", "get_dataset",
        "load_cameraman", "load_imdb", "load_imdb_test_labels", "load_imdb_test_texts", "load_mnist",
        "load_regression_table", "read_idx", "require",
    ])


def test_every_rubric_dataset_is_registered():
    assert tuple(DATASETS) == ("mnist", "imdb", "cameraman", "boston", "diabetes")


@pytest.mark.parametrize("name", list(DATASETS))
def test_each_stored_file_is_either_sandbox_visible_or_trusted(name):
    d = get_dataset(name)
    stored = {f.path for f in d.files}
    assert set(d.sandbox_files) | set(d.trusted_files) == stored
    assert not set(d.sandbox_files) & set(d.trusted_files)
    assert d.license and d.citation and d.homepage and d.loader.startswith("grader.datasets.")


def test_held_out_labels_are_trusted_only():
    assert get_dataset("mnist").trusted_files == ("t10k-labels-idx1-ubyte.gz",)
    assert "t10k-images-idx3-ubyte.gz" in get_dataset("mnist").sandbox_files
    assert get_dataset("imdb").trusted_files == ("test_labels.tsv",)
    assert set(get_dataset("imdb").sandbox_files) == {"train.jsonl", "test_texts.jsonl"}


def test_a_file_in_neither_list_is_refused():
    f = DataFile("a.bin", "0" * 64, 1)
    with pytest.raises(ValueError, match="sandbox-visible or trusted-only"):
        Dataset("x", "x", "x", "x", "x", "x", files=(f,), sandbox_files=(), trusted_files=(), loader="x")
    with pytest.raises(ValueError, match="both"):
        Dataset("x", "x", "x", "x", "x", "x", files=(f,), sandbox_files=("a.bin",), trusted_files=("a.bin",),
                loader="x")
    with pytest.raises(ValueError, match="relative path"):
        DataFile("../etc/passwd", "0" * 64, 1)


def test_every_downloadable_file_has_a_url():
    for d in DATASETS.values():
        if d.builder == "copy":
            assert all(f.urls for f in d.files), d.name
        else:
            assert d.archives[0].urls and d.archives[0].md5 == "7c2ac02c03563afcf9b574c7e56c153a"


def test_boston_carries_the_ethics_note_and_points_to_diabetes():
    boston = get_dataset("boston")
    assert "Black" in boston.note and "load_boston" in boston.note
    assert boston.alternative == "diabetes" and get_dataset("diabetes")


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(gd.UnknownDataset, match="mnist, imdb, cameraman, boston, diabetes"):
        get_dataset("cifar10")


def test_docs_list_every_checksum():
    text = (REPO / "docs" / "datasets.md").read_text(encoding="utf-8")
    for d in DATASETS.values():
        for f in (*d.files, *d.archives):
            assert f.sha256 in text, f"docs/datasets.md lacks {d.name}/{f.path}"

