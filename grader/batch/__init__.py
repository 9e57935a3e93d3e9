"""Batch grading: a folder of submissions in, reports, gradebooks and a class summary out.

::

    from grader.batch import BatchOptions, run_batch
    report = run_batch("submissions/", assignment="nyu-dl-hw1", out_dir="out/",
                       options=BatchOptions(jobs=2))

Modules, one job each: ``discover`` (students and their submissions), ``fingerprint``
(what changed), ``journal`` (one atomic record per student), ``work`` (what a worker does
with one task), ``executors`` (local pool, Ray), ``runner`` (plan, run, commit),
``outputs`` (reports and CSVs), ``summary`` (the class page), ``manual`` (TA scores).
The design and its choices are described in ``docs/batch.md``.
"""

from grader.batch.discover import DiscoveryError, discover_submissions
from grader.batch.executors import ExecutorUnavailable
from grader.batch.journal import Journal, JournalBusy, JournalError, Record
from grader.batch.manual import ManualImportError
from grader.batch.runner import (
    BatchEvent,
    BatchOptions,
    BatchReport,
    BatchUsageError,
    default_jobs,
    render_outputs,
    run_batch,
)

__all__ = [
    "BatchEvent",
    "BatchOptions",
    "BatchReport",
    "BatchUsageError",
    "DiscoveryError",
    "ExecutorUnavailable",
    "Journal",
    "JournalBusy",
    "JournalError",
    "ManualImportError",
    "Record",
    "default_jobs",
    "discover_submissions",
    "render_outputs",
    "run_batch",
]
