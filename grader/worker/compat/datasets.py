"""What the dataset stand-ins share: where the grader's copies are, and the error for what is not there.

A rubric that lists a dataset under ``datasets:`` gets its sandbox-visible files bound
read-only under ``/data/<name>/`` (``graderworker.datafiles.SANDBOX_DATA``). Held-out files
(MNIST's test labels, IMDB's test labels) are never there.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DatasetNotAvailable", "dataset_folder", "held_out", "not_bound"]


class DatasetNotAvailable(RuntimeError):
    """The code asked for data the grading sandbox does not serve (the message says why and what to do)."""


def dataset_folder(name: str, files: tuple[str, ...], *, asked: str) -> Path | None:
    """``/data/<name>`` when it holds ``files``; None when the dataset is not bound at all."""
    from .. import datafiles  # numpy: only once a dataset is asked for

    folder = datafiles.SANDBOX_DATA / name
    if not folder.is_dir():
        return None
    missing = [f for f in files if not (folder / f).is_file()]
    if missing:
        raise DatasetNotAvailable(f"{asked}: the grader's copy of {name} in this sandbox lacks {', '.join(missing)}")
    return folder


def not_bound(name: str, asked: str) -> DatasetNotAvailable:
    return DatasetNotAvailable(
        f"{asked}: the grading sandbox has no network, and the grader's copy of {name} is not available to this "
        f"assignment's checks (a rubric must list {name} under datasets: to make it available).")


def held_out(name: str, split: str, asked: str) -> DatasetNotAvailable:
    return DatasetNotAvailable(
        f"{asked}: the {split} split of {name} is not available while your code is graded: its labels are held out, "
        f"and the grader scores your model on it itself. Build the {split} split only where you need it "
        f"(e.g. in your own evaluation code), not when your module is imported or your model is trained.")
