"""A stand-in for ``tensorflow_datasets`` (too big to install, and it downloads): serves IMDB reviews
from the grader's copy, through the calls the courses' starters make.

ee150-ps3's ``data.py`` does ``tfds.as_numpy(tfds.load('imdb_reviews', split=split, batch_size=-1,
as_supervised=True))`` and zips texts with labels. Served here:

- ``load('imdb_reviews', split='train' | 'train[:80%]' | 'train[1000:2000]' | [...], batch_size=-1 | None | k,
  as_supervised=..., with_info=...)``: texts as ``bytes`` (numpy ``object`` arrays) and labels as
  ``int64`` (1 = positive), as tfds gives them; ``batch_size=-1`` is the whole split at once, ``None``
  one example at a time, ``k`` batches of ``k``. The 25 000 training reviews come in a fixed shuffled
  order (tfds also serves them shuffled; its own order is not reproduced);
- ``as_numpy`` (identity on what ``load`` returns, an iterator over a dataset), ``disable_progress_bar``,
  ``Split``.

The test split's labels are held out: asking for ``split='test'`` raises ``DatasetNotAvailable``
saying so. Any other dataset name raises too, naming what is served.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any, Iterator

import numpy as np

from . import notes
from .datasets import DatasetNotAvailable, dataset_folder, held_out, not_bound

__all__ = ["load", "as_numpy", "disable_progress_bar", "Split", "DatasetNotAvailable", "SERVED"]
__version__ = "0.0+grader-stand-in"

#: dataset names served, and the grader's dataset behind each
SERVED = {"imdb_reviews": "imdb", "imdb_reviews/plain_text": "imdb"}
#: the seed of the fixed shuffled order of the training reviews
ORDER_SEED = 150
_SPLIT = re.compile(r"^\s*(train|test|unsupervised)\s*(?:\[\s*(-?\d+%?)?\s*:\s*(-?\d+%?)?\s*\])?\s*$")
_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}


class Split:
    TRAIN = "train"
    TEST = "test"
    VALIDATION = "validation"


class _Array(np.ndarray):
    """A numpy array that also answers ``.numpy()``, as the tf.Tensor tfds returns does."""

    def numpy(self) -> np.ndarray:
        return np.asarray(self)


def _tensor(values: np.ndarray) -> np.ndarray:
    return values.view(_Array)


class _Dataset:
    """What ``load`` returns without ``batch_size=-1``: iterable examples or batches (a tf.data stand-in)."""

    def __init__(self, texts: np.ndarray, labels: np.ndarray, supervised: bool, batch: int | None):
        self._texts, self._labels, self._supervised, self._batch = texts, labels, supervised, batch

    def _pack(self, text: Any, label: Any) -> Any:
        return (text, label) if self._supervised else {"text": text, "label": label}

    def __iter__(self) -> Iterator[Any]:
        if self._batch is None:
            for text, label in zip(self._texts, self._labels):
                yield self._pack(text, label)
        else:
            for start in range(0, len(self._labels), self._batch):
                stop = start + self._batch
                yield self._pack(self._texts[start:stop], self._labels[start:stop])

    def __len__(self) -> int:
        n = len(self._labels)
        return n if self._batch is None else -(-n // self._batch)

    def take(self, count: int) -> "_Dataset":
        n = len(self._labels) if count < 0 else count * (self._batch or 1)
        return _Dataset(self._texts[:n], self._labels[:n], self._supervised, self._batch)

    def batch(self, size: int) -> "_Dataset":
        return _Dataset(self._texts, self._labels, self._supervised, int(size))

    def as_numpy_iterator(self) -> Iterator[Any]:
        return iter(self)

    def cardinality(self) -> int:
        return len(self)


def _bound(text: str | None, n: int, default: int) -> int:
    if text is None:
        return default
    value = round(n * int(text[:-1]) / 100) if text.endswith("%") else int(text)
    return max(0, min(n, value + n if value < 0 else value))


def _train(asked: str) -> tuple[np.ndarray, np.ndarray]:
    if "imdb" not in _cache:
        from .. import datafiles

        folder = dataset_folder("imdb", ("train.jsonl",), asked=asked)
        if folder is None:
            raise not_bound("imdb", asked)
        texts, labels = datafiles.read_imdb_train(folder)
        order = np.random.RandomState(ORDER_SEED).permutation(len(labels))
        encoded = np.empty(len(texts), dtype=object)
        encoded[:] = [texts[i].encode("utf-8") for i in order]
        _cache["imdb"] = (encoded, labels[order])
    return _cache["imdb"]


def _one_split(split: str, asked: str) -> tuple[np.ndarray, np.ndarray]:
    m = _SPLIT.match(split)
    if m is None:
        raise DatasetNotAvailable(f"{asked}: split {split!r} is not understood here; the grader's stand-in serves "
                                  "'train' and slices of it such as 'train[:80%]' or 'train[1000:2000]'")
    if m.group(1) != "train":
        raise held_out("imdb_reviews", m.group(1), asked) if m.group(1) == "test" else DatasetNotAvailable(
            f"{asked}: the grader's copy of IMDB has no unsupervised (unlabelled) reviews; use split='train'")
    texts, labels = _train(asked)
    start, stop = _bound(m.group(2), len(labels), 0), _bound(m.group(3), len(labels), len(labels))
    return texts[start:stop], labels[start:stop]


def load(name: str, split: Any = None, *, data_dir: Any = None, batch_size: int | None = None,
         shuffle_files: bool = False, download: bool = True, as_supervised: bool = False,
         with_info: bool = False, **_ignored: Any) -> Any:
    """``tfds.load`` for ``imdb_reviews``, from the grader's copy (see the module docstring)."""
    asked = f"tensorflow_datasets.load({name!r}, split={split!r})"
    if str(name) not in SERVED:
        raise DatasetNotAvailable(f"{asked}: the grading sandbox has no network and no TensorFlow; the grader's "
                                  f"stand-in for tensorflow_datasets serves only {', '.join(sorted(SERVED))}")
    if split is None:
        raise DatasetNotAvailable(f"{asked}: name the split: the grader's stand-in serves split='train' "
                                  "(the test split's labels are held out)")
    splits = list(split) if isinstance(split, (list, tuple)) else [split]
    served, count = [], 0
    for one in splits:
        texts, labels = _one_split(str(one), asked)
        count += len(labels)
        batch = None if batch_size is None or batch_size == -1 else int(batch_size)
        if batch_size == -1:
            served.append((_tensor(texts), _tensor(labels)) if as_supervised
                          else {"text": _tensor(texts), "label": _tensor(labels)})
        else:
            served.append(_Dataset(texts, labels, as_supervised, batch))
    notes.record("tfds:imdb", f"tensorflow_datasets.load({name!r}, split={split!r}) was served from the "
                 f"grader's copy of IMDB ({count} reviews, "
                 f"no download){notes.at()}")
    result = served if isinstance(split, (list, tuple)) else served[0]
    if with_info:
        return result, _info()
    return result


def _info() -> Any:
    label = SimpleNamespace(names=["neg", "pos"], num_classes=2, int2str=lambda i: ["neg", "pos"][int(i)])
    return SimpleNamespace(name="imdb_reviews", splits={"train": SimpleNamespace(num_examples=25000)},
                           features={"label": label, "text": SimpleNamespace()},
                           description="IMDB reviews (the grader's copy; train split only)")


def as_numpy(dataset: Any) -> Any:
    """Numpy values of what ``load`` returned (arrays stay arrays; a dataset becomes an iterator)."""
    if isinstance(dataset, _Dataset):
        return iter(dataset)
    if isinstance(dataset, tuple):
        return tuple(as_numpy(d) for d in dataset)
    if isinstance(dataset, list):
        return [as_numpy(d) for d in dataset]
    if isinstance(dataset, dict):
        return {k: as_numpy(v) for k, v in dataset.items()}
    if isinstance(dataset, np.ndarray):
        return np.asarray(dataset)
    return dataset


def disable_progress_bar() -> None:
    """Nothing to disable: the stand-in shows no progress bar."""
