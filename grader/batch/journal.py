"""The batch journal: one JSON file per finished submission, written atomically.

Layout of a batch's output folder::

    OUT/batch.json              what this folder grades (assignment, layout, source folder)
    OUT/journal/<key>.json      one record per student: submission hash, rubric fingerprint,
                                the full SubmissionResult, timings
    OUT/manual.json             TA scores of manual items (``grader manual import``)
    OUT/.lock                   held (flock) by the one process working on this folder

**Why one file per submission, not a JSON-lines log.** A record is committed by writing a
temporary file in ``journal/``, ``fsync``-ing it, ``os.replace``-ing it over
``<key>.json`` and ``fsync``-ing the folder. ``rename`` is atomic, so a SIGKILL at any
instant leaves either the old record or the new one, never half of one; the file name is
the student's key, so a result can never be recorded twice (a regrade replaces the file)
and no reader has to deduplicate or repair a torn last line. Leftover temporary files
(a kill between write and rename) are ignored and removed on the next open. An append-only
log would need all three of those repairs; a few hundred small files cost nothing.

Everything downstream (reports, gradebooks, the class summary) is rendered from these
records; nothing is read back from a report.
"""

from __future__ import annotations

import fcntl
import os
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader._io import atomic_write_text
from grader.batch.discover import Student
from grader.batch.fingerprint import Fingerprint
from grader.results.models import SubmissionResult

__all__ = ["Journal", "Record", "Timing", "Manifest", "JournalError", "JournalBusy", "atomic_write_text",
           "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
_TMP_PREFIX = ".tmp-"


class JournalError(RuntimeError):
    """The output folder holds something the journal cannot use; the message names the file."""


class JournalBusy(JournalError):
    """Another batch process is working on this output folder."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Timing(_Frozen):
    """Where the time of one submission went, in seconds (none of it reaches the gradebook)."""

    #: the pipeline's own measure (``SubmissionResult.duration_s``)
    grade_s: float = 0.0
    #: inside the batch worker, from receiving the task to sending the result
    worker_s: float = 0.0
    #: in the parent, from handing the task to an executor to committing the record
    wall_s: float = 0.0
    #: the result was copied from an identical submission instead of grading it again
    reused_from: str = ""


class Record(_Frozen):
    schema_version: int = SCHEMA_VERSION
    key: str
    student: Student
    #: the file or folder that was graded, as discovered (absolute)
    submission_path: str
    submission_sha256: str
    layout: str
    fingerprint: Fingerprint
    result: SubmissionResult
    timing: Timing = Timing()
    committed_at: datetime
    executor: str = ""
    #: the machine and process that graded it (a Ray node, or this machine)
    host: str = ""
    #: what happened to this record, oldest first ("graded", "regraded items 4.1", ...)
    history: tuple[str, ...] = Field(default=())


class Manifest(_Frozen):
    schema_version: int = SCHEMA_VERSION
    assignment: str
    submissions_dir: str
    layout: str
    created_at: datetime
    #: the Canvas gradebook column to write scores into ("HW1 (123456)"); empty: the rubric's title
    canvas_column: str = ""
    #: what discovery did not grade, with why (older submissions, stray files); shown in the summary
    skipped: tuple[tuple[str, str], ...] = ()


class Journal:
    """Read and commit records in ``out_dir``; use as a context manager to hold the folder's lock."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.dir = self.out_dir / "journal"
        self._lock_fd: int | None = None

    # ----------------------------------------------------------------- lock

    def __enter__(self) -> "Journal":
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.out_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise JournalBusy(f"another grader process is working on {self.out_dir} (it holds {self.out_dir}/.lock); "
                              "wait for it to finish or stop it, then run this again") from None
        self._lock_fd = fd
        self.remove_leftovers()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the flock; a killed process releases it too
            self._lock_fd = None

    def remove_leftovers(self) -> None:
        """Temporary files of a commit that was killed before its rename."""
        for tmp in self.dir.glob(f"{_TMP_PREFIX}*"):
            tmp.unlink(missing_ok=True)

    # ----------------------------------------------------------------- records

    def path_for(self, key: str) -> Path:
        return self.dir / f"{key}.json"

    def load(self) -> dict[str, Record]:
        """Every committed record, by key."""
        records: dict[str, Record] = {}
        if not self.dir.is_dir():
            return records
        for path in sorted(self.dir.glob("*.json")):
            record = self._read(path)
            records[record.key] = record
        return records

    def get(self, key: str) -> Record | None:
        path = self.path_for(key)
        return self._read(path) if path.is_file() else None

    def _read(self, path: Path) -> Record:
        try:
            record = Record.model_validate_json(path.read_bytes())
        except (ValidationError, ValueError, OSError) as exc:
            raise JournalError(f"{path} is not a journal record ({str(exc).splitlines()[0]}); move it away "
                               "and run the batch again to regrade that student") from None
        if path.stem != record.key:
            raise JournalError(f"{path} holds the record of {record.key!r}; the file name must be its key")
        return record

    def commit(self, record: Record) -> Path:
        """Write one record atomically and durably; replaces that student's previous record."""
        self.dir.mkdir(parents=True, exist_ok=True)
        target = self.path_for(record.key)
        atomic_write_text(target, record.model_dump_json(indent=1) + "\n", tmp_prefix=_TMP_PREFIX)
        return target

    # ----------------------------------------------------------------- manifest

    def read_manifest(self) -> Manifest | None:
        path = self.out_dir / "batch.json"
        if not path.is_file():
            return None
        try:
            return Manifest.model_validate_json(path.read_bytes())
        except (ValidationError, ValueError) as exc:
            raise JournalError(f"{path} is not a batch manifest ({str(exc).splitlines()[0]})") from None

    def write_manifest(self, manifest: Manifest) -> None:
        atomic_write_text(self.out_dir / "batch.json", manifest.model_dump_json(indent=2) + "\n")


def now() -> datetime:
    return datetime.now(timezone.utc)
