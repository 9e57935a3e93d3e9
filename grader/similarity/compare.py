"""Fingerprints of each submission, with the starter subtracted, and the pairs that share them.

- **Fingerprint** a submission: tokens of all its files (:mod:`grader.similarity.tokens`),
  k-gram hashes; a token inside a k-gram the starter code also has is the starter's, and a
  k-gram holding any such token is masked *before* winnowing, so a window that straddles the
  boilerplate picks the student's own code, and a window of boilerplate only picks nothing
  (an untouched template has no fingerprints at all).
- **Common code**: a fingerprint found in more than ``common`` distinct submissions is an
  idiom or an unlisted handout, not evidence between two students (MOSS's ``-m``); ignored.
- **Score** of a pair: the shared fingerprints over the smaller side's own fingerprints
  (``max`` of the two coverages: a student who copied one function of a long solution shows),
  the denominator never below ``FLOOR`` so that a few lines of own code cannot score 100%.
- **Regions**: shared fingerprints matched up across the two sides, chained while both move
  forward together in the same pair of files; each region is a line range on either side.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from grader.similarity.sources import SourceFile
from grader.similarity.tokens import bound_names, tokenize_source
from grader.similarity.winnow import MODULUS, kgram_hashes, winnow

__all__ = ["Settings", "Fingerprints", "Region", "Pair", "fingerprint", "starter_hashes", "score_pairs",
           "regions", "FLOOR"]

#: a side with fewer own fingerprints is scored as if it had this many
FLOOR = 8
#: one hash repeated within a file is matched up at most this many times per side
_REPEATS = 4


@dataclass(frozen=True)
class Settings:
    """Noise threshold ``k`` (tokens in a k-gram) and window ``w``; any shared run of ``k + w - 1`` tokens is found."""

    k: int = 12
    w: int = 8


@dataclass(frozen=True)
class Fingerprints:
    """A submission's files and kept fingerprints: ``(hash, file index, token position, lines of its tokens)``."""

    key: str
    files: tuple[SourceFile, ...]
    marks: tuple[tuple[int, int, int, tuple[int, ...]], ...]

    @property
    def hashes(self) -> frozenset[int]:
        return frozenset(m[0] for m in self.marks)


@dataclass(frozen=True)
class Region:
    """A stretch of code the two sides share in one file of each: the lines that hold its tokens (1-based)."""

    file_a: int
    lines_a: tuple[int, ...]
    file_b: int
    lines_b: tuple[int, ...]
    fingerprints: int

    @property
    def span_a(self) -> tuple[int, int]:
        return self.lines_a[0], self.lines_a[-1]

    @property
    def span_b(self) -> tuple[int, int]:
        return self.lines_b[0], self.lines_b[-1]


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    shared: int
    own_a: int
    own_b: int

    @property
    def cover_a(self) -> float:
        return self.shared / max(self.own_a, FLOOR)

    @property
    def cover_b(self) -> float:
        return self.shared / max(self.own_b, FLOOR)

    @property
    def score(self) -> float:
        return max(self.cover_a, self.cover_b)


def _pieces_tokens(files: Sequence[SourceFile]):  # type: ignore[no-untyped-def]
    bound = bound_names(piece for f in files for piece, _ in f.pieces)
    for index, source_file in enumerate(files):
        ids: list[int] = []
        lines: list[int] = []
        for piece, first in source_file.pieces:
            tokens = tokenize_source(piece, bound, first_line=first)
            ids.extend(tokens.ids)
            lines.extend(tokens.lines)
        yield index, ids, lines


def starter_hashes(files: Sequence[SourceFile], settings: Settings = Settings()) -> frozenset[int]:
    """Every k-gram hash of the starter code (not only the winnowed ones: any of them may be picked elsewhere)."""
    found: set[int] = set()
    for _, ids, _ in _pieces_tokens(files):
        found.update(kgram_hashes(ids, settings.k))
    return frozenset(found)


def fingerprint(key: str, files: Sequence[SourceFile], *, starter: frozenset[int] = frozenset(),
                settings: Settings = Settings()) -> Fingerprints:
    """The kept fingerprints of one submission, its starter k-grams masked before winnowing."""
    marks: list[tuple[int, int, int, tuple[int, ...]]] = []
    k = settings.k
    for index, ids, lines in _pieces_tokens(files):
        hashes = _mask_starter(kgram_hashes(ids, k), starter, k)
        for value, pos in winnow(hashes, settings.w):
            if value != MODULUS:
                marks.append((value, index, pos, tuple(sorted(set(lines[pos:pos + k])))))
    return Fingerprints(key, tuple(files), tuple(marks))


def _mask_starter(hashes: list[int], starter: frozenset[int], k: int) -> list[int]:
    """Each k-gram that holds a token of starter code (a token inside a k-gram the starter has) becomes ``MODULUS``.

    Masking only the starter's own k-grams would leave those that straddle its edge: the
    template's last tokens plus a student's first (``def gradient_descent(...): <nl> N = input``)
    are in almost every submission, and would make honest pairs look alike.
    """
    if not starter or not hashes:
        return hashes
    n = len(hashes) + k - 1
    covered = [0] * (n + 1)  # +1 at a starter k-gram's start, -1 past its end
    for i, value in enumerate(hashes):
        if value in starter:
            covered[i] += 1
            covered[i + k] -= 1
    flags = [0] * (n + 1)  # prefix count of starter tokens
    depth = 0
    for t in range(n):
        depth += covered[t]
        flags[t + 1] = flags[t] + (depth > 0)
    return [MODULUS if flags[i + k] - flags[i] else value for i, value in enumerate(hashes)]


def score_pairs(prints: Iterable[Fingerprints], *, common: int | None) -> tuple[list[Pair], dict[str, int], int]:
    """Every pair sharing a fingerprint, best first; each side's own fingerprints; how many were too common."""
    sets = {p.key: p.hashes for p in prints}
    postings: dict[int, list[str]] = defaultdict(list)
    for key in sorted(sets):
        for value in sets[key]:
            postings[value].append(key)
    too_common = {h for h, keys in postings.items() if common is not None and len(keys) > common}
    own = {key: len(hashes - too_common) for key, hashes in sets.items()}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for value, keys in postings.items():
        if value in too_common or len(keys) < 2:
            continue
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                counts[(a, b)] += 1
    pairs = [Pair(a, b, shared, own[a], own[b]) for (a, b), shared in counts.items()]
    pairs.sort(key=lambda p: (-p.score, -p.shared, p.a, p.b))
    return pairs, own, len(too_common)


def regions(a: Fingerprints, b: Fingerprints, *, ignore: frozenset[int] = frozenset(),
            settings: Settings = Settings()) -> list[Region]:
    """The shared stretches of two submissions, in the order of ``a``'s files and lines."""
    shared = (a.hashes & b.hashes) - ignore
    at_b: dict[int, list[tuple[int, int, tuple[int, ...]]]] = defaultdict(list)
    for value, file, pos, lines in b.marks:
        if value in shared and len(at_b[value]) < _REPEATS:
            at_b[value].append((file, pos, lines))
    seen: dict[int, int] = defaultdict(int)
    matches = []
    for value, file, pos, lines in a.marks:
        if value not in shared or seen[value] >= _REPEATS:
            continue
        seen[value] += 1
        for other in at_b[value]:
            matches.append(((file, pos, lines), other))
    matches.sort(key=lambda m: (m[0][0], m[1][0], m[0][1], m[1][1]))
    gap = settings.k + settings.w
    chains: list[list] = []  # type: ignore[type-arg]
    for ma, mb in matches:
        offset = mb[1] - ma[1]
        best, best_drift = None, gap + 1
        for chain in chains[-12:]:
            la, lb = chain[-1]
            drift = abs(offset - (lb[1] - la[1]))
            if (la[0], lb[0]) == (ma[0], mb[0]) and 0 <= ma[1] - la[1] <= gap and drift < best_drift:
                best, best_drift = chain, drift
        if best is None:
            chains.append([(ma, mb)])
        elif best[-1][0][1] != ma[1]:  # one B match per A fingerprint and chain
            best.append((ma, mb))
    found = [Region(file_a=chain[0][0][0], lines_a=tuple(sorted({n for m in chain for n in m[0][2]})),
                    file_b=chain[0][1][0], lines_b=tuple(sorted({n for m in chain for n in m[1][2]})),
                    fingerprints=len({m[0][1] for m in chain})) for chain in chains]
    return _drop_echoes(found)


def _drop_echoes(found: list[Region]) -> list[Region]:
    """A region inside one more than twice its size, on either side, is an echo of repeated k-grams."""
    def inside(small: tuple[int, int], file: int, big: tuple[int, int], big_file: int) -> bool:
        return file == big_file and big[0] <= small[0] and small[1] <= big[1]

    kept = []
    for region in found:
        echo = any(
            other is not region and other.fingerprints > 2 * region.fingerprints and (
                inside(region.span_a, region.file_a, other.span_a, other.file_a)
                or inside(region.span_b, region.file_b, other.span_b, other.file_b))
            for other in found)
        if not echo:
            kept.append(region)
    return sorted(kept, key=lambda r: (r.file_a, r.span_a, r.file_b, r.span_b))
