"""``run_similarity``: a class's submissions in, ranked pairs and side-by-side pages out.

::

    find the class (submissions folder or batch output) -> group identical submissions
      -> fingerprint one of each group (process pool; starter code masked)
      -> score every pair through an inverted index -> regions of the best pairs
      -> OUT/index.html, OUT/pair-NNNN.html, OUT/pairs.csv, OUT/similarity.json

It never changes a score, never runs student code, and writes only under ``out_dir``,
which may not be inside a batch's ``students/`` folder (what students are given).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from grader.similarity.compare import Fingerprints, Pair, Region, Settings, fingerprint, regions, score_pairs, \
    starter_hashes
from grader.similarity.sources import Class, Entry, NotGradable, SimilarityError, find_class, read_entry, \
    read_folder, read_named, starter_bytes

__all__ = ["SimilarityOptions", "SimilarityReport", "RankedPair", "run_similarity", "common_limit"]

#: below this many submissions to fingerprint, a process pool costs more than it saves
_POOL_FROM = 24


@dataclass(frozen=True)
class SimilarityOptions:
    """Every knob of a similarity run, with its default; the CLI passes its flags through unchanged."""

    #: a pair scoring at least this (0..1) is marked "look at this"
    threshold: float = 0.5
    #: tokens per k-gram and winnowing window (``compare.Settings``)
    k: int = 12
    w: int = 8
    #: a fingerprint in more than this many distinct submissions is ignored; None: ``common_limit``; 0: never
    common: int | None = None
    #: pairs listed, each with its page (the best first); the histogram counts them all
    max_pairs: int = 200
    #: processes that fingerprint; None: one per core
    jobs: int | None = None


@dataclass(frozen=True)
class RankedPair:
    rank: int
    a: Entry
    b: Entry
    pair: Pair
    regions: tuple[Region, ...]
    flagged: bool
    #: the page, relative to the index
    page: str


@dataclass
class SimilarityReport:
    assignment: str
    out_dir: Path
    students: int
    distinct: int
    threshold: float
    common: int | None
    ignored_common: int = 0
    k: int = 12
    w: int = 8
    pairs: list[RankedPair] = field(default_factory=list)
    #: every pair's score among distinct submissions (zeros included), for the histogram
    scores: list[float] = field(default_factory=list)
    #: groups of identical submissions (same graded files), first the one compared
    identical: list[tuple[Entry, ...]] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    #: students with no code of their own left once the starter is subtracted
    no_own_code: list[str] = field(default_factory=list)
    #: each compared submission's file names, by key (a region's file index is into these)
    file_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    index: Path | None = None
    elapsed_s: float = 0.0

    @property
    def flagged(self) -> int:
        return sum(1 for p in self.pairs if p.flagged)


def common_limit(distinct: int) -> int:
    """The default ``common``: a tenth of the class, never below 10 (MOSS ignores more than 10 by default)."""
    return max(10, distinct // 10)


def run_similarity(source: Path, *, assignment: str, out_dir: Path, options: SimilarityOptions = SimilarityOptions(),
                   root: Path | None = None) -> SimilarityReport:
    """Compare every submission of a class with every other; write the pages to ``out_dir``."""
    from grader.api import load_assignment
    from grader.similarity.pages import write_pages

    started = time.monotonic()
    if not 0.0 <= options.threshold <= 1.0:
        raise SimilarityError(f"--threshold {options.threshold:g}: give a share between 0 and 1 (0.5 is 50%)")
    if options.k < 2 or options.w < 1:
        raise SimilarityError(f"k={options.k}, w={options.w}: k must be at least 2 and w at least 1")
    paths, rubric = load_assignment(assignment, root=root)
    found = find_class(Path(source), required_files=rubric.required_files)
    out_dir = Path(out_dir)
    _check_out_dir(out_dir, found)
    settings = Settings(k=options.k, w=options.w)
    starter_files = read_folder(paths.template_dir) + read_named(
        [(p.file, paths.tests_dir.parent / p.source) for p in rubric.provided])
    starter = starter_hashes(starter_files, settings)
    groups = _identical_groups(found.entries)
    report = SimilarityReport(assignment=assignment, out_dir=out_dir, students=len(found.entries),
                              distinct=len(groups), threshold=options.threshold, common=None, k=options.k, w=options.w,
                              identical=[g for g in groups if len(g) > 1])
    task = _Task(starter=starter, template=starter_bytes(paths.template_dir),
                 skip=frozenset(p.file for p in rubric.provided), settings=settings)
    prints: dict[str, Fingerprints] = {}
    for key, result in _fingerprint_all([g[0] for g in groups], task, options.jobs):
        if isinstance(result, str):
            entry = next(g[0] for g in groups if g[0].key == key)
            report.unreadable.append((entry.label, result))
        else:
            prints[key] = result
    report.file_names = {key: tuple(f.name for f in p.files) for key, p in prints.items()}
    limit = options.common if options.common is not None else common_limit(len(prints))
    report.common = limit or None
    pairs, own, report.ignored_common = score_pairs(prints.values(), common=limit or None)
    ignore = _too_common(prints.values(), limit) if limit else frozenset()
    by_key = {g[0].key: g[0] for g in groups}
    report.no_own_code = sorted(by_key[k].label for k, n in own.items() if n == 0)
    total = len(prints) * (len(prints) - 1) // 2
    report.scores = [p.score for p in pairs] + [0.0] * (total - len(pairs))
    for rank, pair in enumerate(pairs[:options.max_pairs], start=1):
        found_regions = regions(prints[pair.a], prints[pair.b], ignore=ignore, settings=settings)
        report.pairs.append(RankedPair(rank=rank, a=by_key[pair.a], b=by_key[pair.b], pair=pair,
                                       regions=tuple(found_regions), flagged=pair.score >= options.threshold,
                                       page=f"pair-{rank:04d}.html"))
    report.index = write_pages(report, prints, groups)
    report.elapsed_s = round(time.monotonic() - started, 3)
    return report


def _check_out_dir(out_dir: Path, found: Class) -> None:
    """The pages name students and show their code: never where students' outputs go, nor among submissions."""
    resolved = out_dir.resolve()
    places = [(found.folder.resolve(), "the next run would take it for a submission")]
    if found.batch_dir is not None:
        places.append((found.batch_dir.resolve() / "students", "the students' own outputs are there"))
    for place, why in places:
        if resolved.is_relative_to(place):
            raise SimilarityError(f"-o {out_dir}: not inside {place} ({why}); the similarity pages are for the TA "
                                  "only: give a folder of their own (for a batch: its similarity/ folder)")


def _identical_groups(entries: list[Entry]) -> list[tuple[Entry, ...]]:
    """Entries by identity; the first of each group is the one graded (not a copy), else the first by key."""
    by_identity: dict[str, list[Entry]] = {}
    for entry in sorted(entries, key=lambda e: e.key):
        by_identity.setdefault(entry.identity, []).append(entry)
    groups = []
    for members in by_identity.values():
        members.sort(key=lambda e: (bool(e.copied_from), e.key))
        groups.append(tuple(members))
    return sorted(groups, key=lambda g: g[0].key)


def _too_common(prints, limit: int) -> frozenset[int]:  # type: ignore[no-untyped-def]
    counts: dict[int, int] = {}
    for p in prints:
        for value in p.hashes:
            counts[value] = counts.get(value, 0) + 1
    return frozenset(h for h, n in counts.items() if n > limit)


@dataclass(frozen=True)
class _Task:
    starter: frozenset[int]
    template: dict[str, bytes]
    skip: frozenset[str]
    settings: Settings


_WORKER_TASK: _Task | None = None


def _init_worker(task: _Task) -> None:
    global _WORKER_TASK
    _WORKER_TASK = task


def _fingerprint_one(entry: Entry, task: _Task | None = None) -> tuple[str, Fingerprints | str]:
    """One submission's fingerprints, or why it could not be read (the run goes on)."""
    task = task or _WORKER_TASK
    assert task is not None
    try:
        files = read_entry(entry, starter=task.template, skip=task.skip)
        return entry.key, fingerprint(entry.key, files, starter=task.starter, settings=task.settings)
    except NotGradable as exc:
        return entry.key, f"not readable: {exc}"
    except (OSError, UnicodeError, ValueError) as exc:
        return entry.key, f"not readable: {type(exc).__name__}: {exc}"


def _fingerprint_all(entries: list[Entry], task: _Task, jobs: int | None):  # type: ignore[no-untyped-def]
    jobs = jobs or len(os.sched_getaffinity(0))
    if jobs <= 1 or len(entries) < _POOL_FROM:
        for entry in entries:
            yield _fingerprint_one(entry, task)
        return
    done: set[str] = set()
    try:
        # spawn: a fresh interpreter, nothing inherited from a caller's threads (a progress bar, a batch)
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=_init_worker,
                                 initargs=(task,)) as pool:
            for key, result in pool.map(_fingerprint_one, entries, chunksize=max(1, len(entries) // (jobs * 8))):
                done.add(key)
                yield key, result
    except BrokenProcessPool:  # a worker died (memory, a signal) or could not start: the rest here, in order
        for entry in entries:
            if entry.key not in done:
                yield _fingerprint_one(entry, task)
