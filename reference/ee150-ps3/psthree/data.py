"""Datasets: MNIST from its IDX files, IMDB reviews, and the bag-of-words tokenizer (2a iii).

MNIST and IMDB are read from the files ``grader data`` stores (``$GRADER_DATA/mnist``,
``$GRADER_DATA/imdb``; inside the grader's sandbox they are under ``/data/``).

Text preprocessing, in this order (``BOWTokenizer.preprocess``):

1. lower-case;
2. strip HTML tags (``<br />`` is everywhere in IMDB reviews), replacing each with a space;
3. strip punctuation: every character that is not a letter, a digit or white space
   becomes a space;
4. split on white space and drop the stop words in ``STOP_WORDS``;
5. stem each remaining word with ``stem``.

``encode`` maps words to ids: 0 is padding, 1 an unknown word, 2.. the ``vocab_size - 2``
most frequent words of the texts the tokenizer was fit on (ties broken alphabetically).
``TextClassificationDataset`` keeps the reviews whose number of tokens ``n`` satisfies
``min_seq_length <= n <= max_seq_length`` and left-pads each one with 0 to
``max_seq_length`` (the text's last word is the sequence's last step).
"""

import gzip
import json
import os
import re
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

PAD, UNKNOWN = 0, 1

STOP_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most
my myself no nor not now of off on once only or other our ours ourselves out over own same she should
so some such than that the their theirs them themselves then there these they this those through to
too under until up very was we were what when where which while who whom why will with would you your
yours yourself yourselves s t
""".split())

#: suffixes ``stem`` strips, longest first
SUFFIXES = ("ational", "ization", "fulness", "ousness", "iveness", "ingly", "ments", "ement", "ation",
            "ness", "ment", "able", "ible", "ing", "ies", "ied", "ely", "ful", "ous", "ive", "ize",
            "ed", "ly", "es", "er", "s")


def data_root():
    """Where the datasets are: ``$GRADER_DATA``, else ``/data`` (the grader's sandbox)."""
    return Path(os.environ.get("GRADER_DATA", "/data"))


def stem(word):
    """A light suffix-stripping stemmer: drop the longest suffix in ``SUFFIXES`` that leaves
    at least three letters (``movies -> mov``, ``acting -> act``, ``loved -> lov``)."""
    # BEGIN SOLUTION
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word
    # END SOLUTION


class BOWTokenizer:
    """Words to ids over a vocabulary of the ``vocab_size - 2`` most frequent words."""

    def __init__(self, vocab_size=10000):
        self.vocab_size = vocab_size
        self.word_to_id = {}

    def preprocess(self, text):
        """The list of tokens of ``text``: steps 1-5 of the module docstring."""
        # BEGIN SOLUTION
        text = text.lower()
        text = re.sub(r"<[^>]*>", " ", text)
        text = re.sub(r"[^a-z0-9\s]", " ", text)
        return [stem(word) for word in text.split() if word not in STOP_WORDS]
        # END SOLUTION

    def fit(self, token_lists):
        """Build the vocabulary from already preprocessed texts; returns ``self``."""
        counts = Counter(token for tokens in token_lists for token in tokens)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: self.vocab_size - 2]
        self.word_to_id = {word: index + 2 for index, (word, _) in enumerate(ranked)}
        return self

    def encode(self, tokens):
        """Ids of ``tokens``: 1 for a word outside the vocabulary."""
        return [self.word_to_id.get(token, UNKNOWN) for token in tokens]


def left_pad(ids, length):
    """``ids`` with zeros in front, to ``length`` (longer lists keep their last ``length`` ids)."""
    # BEGIN SOLUTION
    ids = list(ids)[-length:] if length > 0 else []
    return [PAD] * (length - len(ids)) + ids
    # END SOLUTION


class TextClassificationDataset(Dataset):
    """Reviews as fixed-length id tensors, with their labels.

    ``data`` is a list of ``(text, label)`` pairs. Without a ``tokenizer`` a new
    ``BOWTokenizer(vocab_size)`` is fit on the kept reviews. ``self.indices`` lists the
    positions in ``data`` of the kept reviews, in order; ``dataset_length`` keeps only the
    first that many of them. Items are ``(LongTensor of max_seq_length ids, label)``; with
    ``pad=False`` the ids are not padded (lengths differ).
    """

    def __init__(self, data, tokenizer=None, vocab_size=10000, min_seq_length=0, max_seq_length=400,
                 dataset_length=None, pad=True, quiet=False):
        self.min_seq_length = min_seq_length
        self.max_seq_length = max_seq_length
        self.pad = pad
        self.tokenizer = tokenizer if tokenizer is not None else BOWTokenizer(vocab_size)
        # BEGIN SOLUTION
        kept_tokens, self.indices, self.labels = [], [], []
        for index, (text, label) in enumerate(data):
            tokens = self.tokenizer.preprocess(text)
            if min_seq_length <= len(tokens) <= max_seq_length:
                kept_tokens.append(tokens)
                self.indices.append(index)
                self.labels.append(int(label))
            if dataset_length is not None and len(self.indices) >= dataset_length:
                break
        if tokenizer is None:
            self.tokenizer.fit(kept_tokens)
        self.sequences = [self.tokenizer.encode(tokens) for tokens in kept_tokens]
        if pad:
            self.sequences = [left_pad(ids, max_seq_length) for ids in self.sequences]
        # END SOLUTION
        if not quiet:
            print(f"TextClassificationDataset: kept {len(self.indices)} of {len(data)} reviews "
                  f"with {min_seq_length}..{max_seq_length} tokens")

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return torch.tensor(self.sequences[index], dtype=torch.long), int(self.labels[index])


# ----------------------------------------------------------------------------- files


def read_imdb(split, root=None):
    """``[(text, label), ...]`` of IMDB's ``train`` or ``test`` split (1 = positive).

    The test labels live in ``test_labels.tsv``, which the grader's sandbox does not have.
    """
    folder = Path(root) if root is not None else data_root() / "imdb"
    if split == "train":
        rows = [json.loads(line) for line in (folder / "train.jsonl").open(encoding="utf-8")]
        return [(row["text"], int(row["label"])) for row in rows]
    texts = {}
    for line in (folder / "test_texts.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        texts[row["id"]] = row["text"]
    labels = {}
    for line in (folder / "test_labels.tsv").open(encoding="utf-8"):
        fields = line.rstrip("\n").split("\t")
        if fields[0] in texts:
            labels[fields[0]] = int(fields[1])
    return [(texts[key], labels[key]) for key in texts if key in labels]


def read_idx(path):
    """A gzipped IDX file (MNIST) as a numpy array."""
    with gzip.open(path, "rb") as handle:
        raw = handle.read()
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * k: 8 + 4 * k], "big") for k in range(dims))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def mnist_tensors(split, root=None):
    """``(images N x 1 x 28 x 28 float in [0, 1], labels N int64)`` of MNIST's ``train`` or ``test``."""
    folder = Path(root) if root is not None else data_root() / "mnist"
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(folder / f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz")
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))
