"""TextClassificationDataset and its tokenizer (2a iii), on crafted reviews.

One test per preprocessing step, so a tokenizer that keeps stop words loses that test
(and the ones whose expected tokens depend on it) without the HTML or padding tests.
The expected tokens follow the spec in data.py's docstring; every crafted review
isolates one step as far as possible.
"""

import pytest
import torch

from ps3_helpers import mod


def _tokens(student, text):
    tokenizer = mod(student, "data").BOWTokenizer(100)
    got = tokenizer.preprocess(text)
    if not isinstance(got, list) or not all(isinstance(t, str) for t in got):
        pytest.fail(f"BOWTokenizer.preprocess({text!r}) should return a list of strings; it returned {got!r:.200}",
                    pytrace=False)
    return got


def _expect(student, text, expected, step):
    got = _tokens(student, text)
    if got != expected:
        pytest.fail(f"{step}: BOWTokenizer.preprocess({text!r}) returned {got!r}, expected {expected!r}",
                    pytrace=False)


def test_lower_case(student):
    _expect(student, "GREAT Film Plot", ["great", "film", "plot"], "lower-case")


def test_strip_html(student):
    _expect(student, "great<br /><br />plot <i>film</i>", ["great", "plot", "film"],
            "HTML tags become spaces")


def test_strip_punctuation(student):
    _expect(student, "great!!! plot,film... 10/10", ["great", "plot", "film", "10", "10"],
            "punctuation becomes spaces")


def test_drop_stop_words(student):
    _expect(student, "the film is a great one and it was not bad", ["film", "great", "one", "bad"],
            "stop words (the, is, a, and, it, was, not) are dropped")


def test_stemming(student):
    _expect(student, "movies acting loved plays hopeful cat", ["mov", "act", "lov", "play", "hope", "cat"],
            "each word is stemmed")


def test_all_steps_together(student):
    _expect(student, "<br />This movie was GREAT!! I loved the acting, and the actors were amazing.",
            ["movie", "great", "lov", "act", "actor", "amaz"], "all five steps")


REVIEWS = [
    ("great film great acting", 1),                            # 4 tokens
    ("a b", 0),                                                # 1 token ("b")
    ("bad bad bad movie plot terrible worst waste", 0),        # 8 tokens: longer than 5
    ("", 1),                                                   # 0 tokens: shorter than 1
    ("fine", 1),                                               # 1 token, not in the vocabulary
]


def _dataset(student):
    data = mod(student, "data")
    return data.TextClassificationDataset(REVIEWS, vocab_size=6, min_seq_length=1, max_seq_length=5, quiet=True)


def test_length_filter(student):
    dataset = _dataset(student)
    if len(dataset) != 3 or list(dataset.indices) != [0, 1, 4]:
        pytest.fail(f"with min_seq_length=1, max_seq_length=5 the dataset should keep reviews 0, 1 and 4 of "
                    f"{[t for t, _ in REVIEWS]!r} (1 to 5 tokens after preprocessing); it kept "
                    f"{len(dataset)} (indices {list(dataset.indices)!r})", pytrace=False)


def test_left_padding_and_ids(student):
    dataset = _dataset(student)
    vocabulary = dict(dataset.tokenizer.word_to_id)
    expected_vocab = {"great": 2, "act": 3, "b": 4, "film": 5}
    if vocabulary != expected_vocab:
        pytest.fail(f"the tokenizer fit on the kept reviews should map {expected_vocab} (0 padding, 1 unknown, then "
                    f"by frequency, ties alphabetical, vocab_size - 2 words); it maps {vocabulary}", pytrace=False)
    items = [dataset[i] for i in range(len(dataset))]
    expected = [([0, 2, 5, 2, 3], 1), ([0, 0, 0, 0, 4], 0), ([0, 0, 0, 0, 1], 1)]
    got = [(torch.as_tensor(ids).tolist(), int(label)) for ids, label in items]
    if got != expected:
        pytest.fail(f"the items should be left-padded with 0 to max_seq_length=5 (unknown words are 1): expected "
                    f"{expected}, got {got}", pytrace=False)
