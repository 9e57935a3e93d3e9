"""k-gram hashing and winnowing: the guarantee MOSS relies on, and nothing found where nothing is shared."""

from __future__ import annotations

import random

import pytest

from grader.similarity.winnow import kgram_hashes, winnow


def _kept(ids: list[int], k: int, w: int) -> set[int]:
    return {h for h, _ in winnow(kgram_hashes(ids, k), w)}


def test_kgram_hashes_are_one_per_kgram_and_depend_only_on_the_kgram() -> None:
    ids = [5, 1, 4, 1, 5, 9, 2, 6]
    hashes = kgram_hashes(ids, 3)
    assert len(hashes) == len(ids) - 2
    assert hashes[0] == kgram_hashes([5, 1, 4], 3)[0] == kgram_hashes([7, 7, 5, 1, 4], 3)[2]
    assert hashes[0] != hashes[1]
    assert kgram_hashes([1, 2], 3) == []
    with pytest.raises(ValueError):
        kgram_hashes(ids, 0)


def test_winnow_picks_the_rightmost_minimum_of_each_window_once() -> None:
    assert winnow([5, 3, 3, 7, 8, 1], 3) == [(3, 2), (1, 5)]
    assert winnow([4, 2, 9], 10) == [(2, 1)]  # fewer hashes than a window: one window
    assert winnow([], 4) == []
    with pytest.raises(ValueError):
        winnow([1], 0)


@pytest.mark.parametrize("seed", range(5))
def test_a_shared_run_of_w_plus_k_minus_1_tokens_is_always_found(seed: int) -> None:
    rng = random.Random(seed)
    k, w = 5, 4
    shared = [rng.randrange(10**6) for _ in range(w + k - 1)]
    left = [rng.randrange(10**6) for _ in range(rng.randrange(0, 40))] + shared + [rng.randrange(10**6) for _ in range(30)]
    right = [rng.randrange(10**6) for _ in range(rng.randrange(0, 40))] + shared
    assert _kept(left, k, w) & _kept(right, k, w), "a run long enough to be guaranteed was missed"


def test_texts_without_a_common_kgram_share_no_fingerprint() -> None:
    rng = random.Random(9)
    a = [rng.randrange(1000) for _ in range(300)]
    b = [1000 + rng.randrange(1000) for _ in range(300)]
    assert not _kept(a, 5, 4) & _kept(b, 5, 4)


def test_winnowing_keeps_a_fraction_of_the_hashes() -> None:
    rng = random.Random(3)
    hashes = kgram_hashes([rng.randrange(10**6) for _ in range(5000)], 12)
    kept = len(winnow(hashes, 8))
    assert 0.15 < kept / len(hashes) < 0.30  # about 2 / (w + 1) = 0.22
