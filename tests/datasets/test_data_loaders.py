"""Loaders return the published shapes, dtypes and class balance."""

from __future__ import annotations

import numpy as np
import pytest

from grader.datasets import (load_cameraman, load_imdb, load_imdb_test_labels, load_imdb_test_texts, load_mnist,
                             load_regression_table)

# from shared/data/README.md (the published class counts of the canonical files)
MNIST_COUNTS = {"train": [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
                "test": [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]}


@pytest.mark.parametrize(("split", "n"), [("train", 60000), ("test", 10000)])
def test_mnist(grader_data, split, n):
    images, labels = load_mnist(split)
    assert images.shape == (n, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (n,) and labels.dtype == np.int64
    assert np.bincount(labels, minlength=10).tolist() == MNIST_COUNTS[split]
    assert images.min() == 0 and images.max() == 255
    assert images.flags.writeable and images.flags.c_contiguous


def test_mnist_rejects_an_unknown_split(grader_data):
    with pytest.raises(ValueError, match="'train' or 'test'"):
        load_mnist("validation")


@pytest.mark.parametrize("split", ["train", "test"])
def test_imdb(grader_data, split):
    texts, labels = load_imdb(split)
    assert len(texts) == 25000 and all(isinstance(t, str) and t for t in texts)
    assert labels.shape == (25000,) and labels.dtype == np.int64
    assert np.bincount(labels).tolist() == [12500, 12500]
    assert len(set(texts)) > 24500   # the dataset has some duplicate reviews, not many
    assert "<br />" in "".join(texts[:200])   # raw text, HTML line breaks kept


def test_imdb_train_order_is_neg_then_pos(grader_data):
    _, labels = load_imdb("train")
    assert labels[:12500].sum() == 0 and labels[12500:].sum() == 12500


def test_imdb_test_texts_and_labels_line_up(grader_data):
    ids, texts = load_imdb_test_texts()
    label_ids, labels = load_imdb_test_labels()
    assert ids == label_ids == [f"test-{i:05d}" for i in range(25000)]
    test_texts, test_labels = load_imdb("test")
    assert test_texts == texts and np.array_equal(test_labels, labels)
    # the fixed order is shuffled: no run of labels gives the answers away
    assert 0.45 < labels[:1000].mean() < 0.55


def test_cameraman(grader_data):
    img = load_cameraman()
    assert img.shape == (512, 512) and img.dtype == np.float32
    assert img.min() >= 0.0 and img.max() <= 1.0
    assert abs(float(img.mean()) * 255 - 129.06) < 0.01


def test_boston(grader_data):
    X, y, names = load_regression_table("boston")
    assert X.shape == (506, 13) and y.shape == (506,) and X.dtype == y.dtype == np.float64
    assert names == ("CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT")
    assert round(float(y.mean()), 3) == 22.533 and y.min() == 5.0 and y.max() == 50.0


def test_diabetes(grader_data):
    X, y, names = load_regression_table("diabetes")
    assert X.shape == (442, 10) and y.shape == (442,) and X.dtype == y.dtype == np.float64
    assert names == ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")
    assert set(np.unique(X[:, 1])) == {1.0, 2.0}   # raw, unscaled: sex coded 1/2
    assert 25 <= y.min() and y.max() <= 346


def test_regression_table_has_no_default(grader_data):
    with pytest.raises(TypeError):
        load_regression_table()   # which table a rubric grades on is written down, not inherited
    with pytest.raises(ValueError, match="'boston' or 'diabetes'"):
        load_regression_table("california")
