"""Which submissions share code beyond the starter: fingerprints, ranked pairs, side-by-side pages.

::

    from grader.similarity import SimilarityOptions, run_similarity
    report = run_similarity("class-out/", assignment="nyu-dl-hw1", out_dir="class-out/similarity")

For the TA only, on the trusted side: it reads files (zips through the grader's safe intake),
never runs them, and never changes a score. Modules, one job each: ``tokens`` (normalised
tokens), ``winnow`` (k-gram hashes, winnowing), ``sources`` (the class and its code files),
``compare`` (fingerprints, pairs, regions), ``pages`` (HTML, CSV, JSON), ``links`` (the class
summary's link), ``api`` (the run), ``batch`` (after ``grader batch``). See ``docs/similarity.md``.
"""

from grader.similarity.api import RankedPair, SimilarityOptions, SimilarityReport, run_similarity
from grader.similarity.sources import SimilarityError

__all__ = ["RankedPair", "SimilarityError", "SimilarityOptions", "SimilarityReport", "run_similarity"]
