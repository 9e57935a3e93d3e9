"""k-gram hashing and winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003; what MOSS does).

Every run of ``k`` consecutive tokens is hashed (a polynomial rolling hash, the same in every
process); of each window of ``w`` consecutive hashes the smallest is kept (the rightmost of
equals), once. Two texts that share a run of at least ``w + k - 1`` tokens then share at least
one kept hash, whatever surrounds the run, and a text keeps about ``2 / (w + 1)`` of its hashes.
"""

from __future__ import annotations

from collections import deque
from typing import Sequence

__all__ = ["kgram_hashes", "winnow", "MODULUS"]

#: a Mersenne prime: hashes are uniform over [0, 2**61 - 1)
MODULUS = (1 << 61) - 1
_BASE = 1_000_003


def kgram_hashes(ids: Sequence[int], k: int) -> list[int]:
    """The hash of every k-gram of ``ids``, in order (``len(ids) - k + 1`` of them, or none)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    n = len(ids)
    if n < k:
        return []
    top = pow(_BASE, k - 1, MODULUS)
    h = 0
    for value in ids[:k]:
        h = (h * _BASE + value) % MODULUS
    out = [h]
    for i in range(k, n):
        h = ((h - ids[i - k] * top) * _BASE + ids[i]) % MODULUS
        out.append(h)
    return out


def winnow(hashes: Sequence[int], w: int) -> list[tuple[int, int]]:
    """``(hash, position)`` of the minimum of every window of ``w`` hashes, each position once, in order.

    Fewer than ``w`` hashes make one window. A monotonic queue keeps it linear.
    """
    if w < 1:
        raise ValueError(f"w must be at least 1, not {w}")
    n = len(hashes)
    if n == 0:
        return []
    width = min(w, n)
    queue: deque[int] = deque()  # positions with increasing hashes; the front is the window's minimum
    picked: list[tuple[int, int]] = []
    last = -1
    for i, value in enumerate(hashes):
        while queue and hashes[queue[-1]] >= value:  # >=: the rightmost of equal minima wins
            queue.pop()
        queue.append(i)
        if queue[0] <= i - width:
            queue.popleft()
        if i >= width - 1 and queue[0] != last:
            last = queue[0]
            picked.append((hashes[last], last))
    return picked
