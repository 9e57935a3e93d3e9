"""Datasets the rubrics use: a registry (provenance, checksums, trust split) and loaders.

The rest of the grader needs only this surface::

    get_dataset("mnist")                -> Dataset (files, sha256, license, sandbox_binds(root))
    data_root()                         -> Path ($GRADER_DATA, else the user cache folder)
    require("mnist")                    -> Path of the dataset's folder, or DatasetMissing
    load_mnist("train")                 -> (uint8 (60000, 28, 28), int64 (60000,))
    load_imdb("train")                  -> (list[str] 25000, int64 (25000,)), 1 = pos
    load_imdb_test_texts()              -> (ids, texts): the test inputs the sandbox may see
    load_imdb_test_labels()             -> (ids, int64 labels): trusted side only
    load_cameraman()                    -> float32 (512, 512) in [0, 1]
    load_regression_table("diabetes")   -> (X float64 (442, 10), y float64 (442,), names)

Every loader reads only the files it needs and raises :class:`DatasetMissing` (message
ending with the command to run) when they are not there; checks let it propagate and the
grading layer reports it as a setup problem, never a traceback. The ``grader data``
commands (list, fetch, import, verify, where) wrap :mod:`grader.datasets.store`.
"""

from grader.datasets.errors import (DatasetCorrupt, DatasetError, DatasetMissing, FetchError, ImportSourceError,
                                    UnknownDataset)
from grader.datasets.image import load_cameraman
from grader.datasets.imdb import load_imdb, load_imdb_test_labels, load_imdb_test_texts
from grader.datasets.mnist import load_mnist, read_idx
from grader.datasets.paths import data_root, require
from grader.datasets.registry import SANDBOX_DATA_DIR, DataFile, Dataset, dataset_names, get_dataset
from grader.datasets.tables import load_regression_table

__all__ = [
    "SANDBOX_DATA_DIR",
    "DataFile",
    "Dataset",
    "DatasetCorrupt",
    "DatasetError",
    "DatasetMissing",
    "FetchError",
    "ImportSourceError",
    "UnknownDataset",
    "data_root",
    "dataset_names",
    "get_dataset",
    "load_cameraman",
    "load_imdb",
    "load_imdb_test_labels",
    "load_imdb_test_texts",
    "load_mnist",
    "load_regression_table",
    "read_idx",
    "require",
]
