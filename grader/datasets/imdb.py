"""IMDB reviews: read the original ``aclImdb`` layout once at import, load compact files after.

Input (``grader data import imdb PATH``): an ``aclImdb/`` folder, or a tar archive of one
(the official ``aclImdb_v1.tar.gz`` or the repacked ``aclImdb_train_test.tar.gz``), read by
:func:`iter_aclimdb`. Reviews are ``{train,test}/{pos,neg}/<id>_<rating>.txt``; ``unsup``
and the ``*.feat`` files are not used.

Stored (derived, deterministic, so their sha256 is pinned in the registry whichever input
was used):

- ``train.jsonl``: 25000 rows ``{"id": "train/neg/0_3", "label": 0, "rating": 3, "text": ...}``,
  neg then pos, ids ascending. Sandbox-visible.
- ``test_texts.jsonl``: 25000 rows ``{"id": "test-00000", "text": ...}`` in a fixed shuffled
  order with opaque ids: the test inputs without their labels. Sandbox-visible.
- ``test_labels.tsv``: ``id, label, rating, source`` for those ids. Trusted only.

Why not keep the folder or read the tar: extracting 50 000 small files took 8-35 s here
and reading a split back 0.4 s; streaming the ``.tar.gz`` costs 2.5-4 s at every load; the
JSONL files take ~4 s to build once and load a split in ~0.15 s (``python
bench/bench_datasets.py --imdb-strategies`` prints the figures). And the folder layout names
the label in every test path, so it could not be shown to the sandbox anyway.
"""

from __future__ import annotations

import json
import os
import random
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from grader.datasets.errors import DatasetCorrupt
from grader.datasets.paths import require

__all__ = [
    "Review",
    "build_imdb_files",
    "iter_aclimdb",
    "load_imdb",
    "load_imdb_test_labels",
    "load_imdb_test_texts",
]

#: the seed of the fixed order of test_texts.jsonl (changing it changes the pinned sha256)
TEST_ORDER_SEED = 20110619
PER_CLASS = 12500
_MEMBER = re.compile(r"(?:^|/)(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")


@dataclass(frozen=True)
class Review:
    split: str
    label: int          # 1 = pos, 0 = neg
    id: int             # the <id> of <id>_<rating>.txt, 0..12499 within each folder
    rating: int         # 7..10 for pos, 1..4 for neg
    text: str

    @property
    def source(self) -> str:
        """The review's path in the aclImdb layout, e.g. ``test/pos/17_9.txt``."""
        return f"{self.split}/{'pos' if self.label else 'neg'}/{self.id}_{self.rating}.txt"


def _review(split: str, polarity: str, ident: str, rating: str, data: bytes) -> Review:
    return Review(split, int(polarity == "pos"), int(ident), int(rating), data.decode("utf-8"))


def iter_aclimdb(source: Path) -> Iterator[Review]:
    """Every labelled review in an ``aclImdb`` folder or a tar archive of one (any compression).

    A folder may be ``aclImdb`` itself or hold it. In an archive the ``aclImdb/`` prefix may
    be anything; members are matched by their ``{train,test}/{pos,neg}/<id>_<rating>.txt`` tail.
    """
    source = Path(source)
    if source.is_dir():
        base = source / "aclImdb" if (source / "aclImdb").is_dir() else source
        for split in ("train", "test"):
            for polarity in ("neg", "pos"):
                folder = base / split / polarity
                if not folder.is_dir():
                    continue
                for entry in os.scandir(folder):
                    m = _MEMBER.search(f"{split}/{polarity}/{entry.name}")
                    if m and entry.is_file():
                        with open(entry.path, "rb") as fh:
                            yield _review(*m.groups(), fh.read())
        return
    with tarfile.open(source, "r:*") as archive:
        for member in archive:
            m = _MEMBER.search(member.name)
            if m and member.isfile():
                yield _review(*m.groups(), archive.extractfile(member).read())


def _check_complete(reviews: list[Review], split: str) -> list[str]:
    problems = []
    for label, polarity in ((0, "neg"), (1, "pos")):
        ids = sorted(r.id for r in reviews if r.label == label)
        if ids != list(range(PER_CLASS)):
            dupes = len(ids) - len(set(ids))
            problems.append(f"{split}/{polarity} holds {len(set(ids))} of the {PER_CLASS} reviews "
                            f"(ids 0..{PER_CLASS - 1})" + (f" and {dupes} duplicate ids" if dupes else ""))
    return problems


def build_imdb_files(source: Path, dest: Path) -> None:
    """Read ``source`` (see :func:`iter_aclimdb`) and write the three stored files into ``dest``.

    Raises ``LookupError`` when ``source`` holds no review at all, and ``ValueError``
    listing what is incomplete when a split or class is short.
    """
    by_split: dict[str, list[Review]] = {"train": [], "test": []}
    for review in iter_aclimdb(source):
        by_split[review.split].append(review)
    if not by_split["train"] and not by_split["test"]:
        raise LookupError("no {train,test}/{pos,neg}/<id>_<rating>.txt review in it")
    problems = _check_complete(by_split["train"], "train") + _check_complete(by_split["test"], "test")
    if problems:
        raise ValueError("; ".join(problems) + " (is this the aclImdb folder or one of its archives?)")

    train = sorted(by_split["train"], key=lambda r: (r.label, r.id))
    with open(dest / "train.jsonl", "w", encoding="utf-8", newline="\n") as out:
        for r in train:
            row = {"id": r.source.removesuffix(".txt"), "label": r.label, "rating": r.rating, "text": r.text}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")

    test = sorted(by_split["test"], key=lambda r: (r.label, r.id))
    random.Random(TEST_ORDER_SEED).shuffle(test)
    with open(dest / "test_texts.jsonl", "w", encoding="utf-8", newline="\n") as texts, \
         open(dest / "test_labels.tsv", "w", encoding="utf-8", newline="\n") as labels:
        labels.write("id\tlabel\trating\tsource\n")
        for i, r in enumerate(test):
            ident = f"test-{i:05d}"
            texts.write(json.dumps({"id": ident, "text": r.text}, ensure_ascii=False) + "\n")
            labels.write(f"{ident}\t{r.label}\t{r.rating}\t{r.source}\n")


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def load_imdb_test_texts(root: Path | None = None) -> tuple[list[str], list[str]]:
    """The test reviews without labels, as ``(ids, texts)`` in the fixed order of ``test_texts.jsonl``.

    This is what the sandbox sees: a worker predicts for these texts and the trusted side
    scores the predictions against :func:`load_imdb_test_labels` by id.
    """
    rows = _read_jsonl(require("imdb", root=root, files=("test_texts.jsonl",)) / "test_texts.jsonl")
    return [r["id"] for r in rows], [r["text"] for r in rows]


def load_imdb_test_labels(root: Path | None = None) -> tuple[list[str], np.ndarray]:
    """Trusted side only: ``(ids, labels int64)`` for the test reviews, 1 = pos, in the same order."""
    path = require("imdb", root=root, files=("test_labels.tsv",)) / "test_labels.tsv"
    with open(path, encoding="utf-8") as fh:
        next(fh)
        rows = [line.split("\t", 2) for line in fh]
    return [r[0] for r in rows], np.array([int(r[1]) for r in rows], dtype=np.int64)


def load_imdb(split: Literal["train", "test"], root: Path | None = None) -> tuple[list[str], np.ndarray]:
    """IMDB ``split`` as ``(texts, labels int64 (N,))``, 1 = pos, 0 = neg; N = 25000 each.

    Train rows come neg then pos (ids ascending); test rows in the fixed order of
    ``test_texts.jsonl``, so ``labels[i]`` scores the prediction for
    ``load_imdb_test_texts()[1][i]``. The test split needs the trusted labels file, which
    is never bound into the sandbox.
    """
    if split == "train":
        rows = _read_jsonl(require("imdb", root=root, files=("train.jsonl",)) / "train.jsonl")
        return [r["text"] for r in rows], np.array([r["label"] for r in rows], dtype=np.int64)
    if split == "test":
        ids, texts = load_imdb_test_texts(root)
        label_ids, labels = load_imdb_test_labels(root)
        if ids != label_ids:
            raise DatasetCorrupt("imdb", ("test_texts.jsonl and test_labels.tsv list different ids",))
        return texts, labels
    raise ValueError(f"IMDB split must be 'train' or 'test', not {split!r}")
