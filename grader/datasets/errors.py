"""Errors of the datasets layer: each carries its fields and ends with the next step.

::

    DatasetError                  base: catch this to turn any data problem into a message
    ├── UnknownDataset            a name the registry does not know (lists the names it knows)
    ├── DatasetMissing            not in the data root (ends with the command to run)
    ├── DatasetCorrupt            on disk but a file differs from its registered sha256
    ├── ImportSourceError         ``grader data import NAME PATH``: PATH lacks or spoils a file
    └── FetchError                every URL of a file failed (each failure listed)

A check that needs a dataset lets ``DatasetMissing`` / ``DatasetCorrupt`` propagate; the
grading layer reports ``str(exc)`` as a grader-setup problem (never a student's failure and
never a traceback), and the CLI prints it and exits non-zero.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DatasetCorrupt",
    "DatasetError",
    "DatasetMissing",
    "FetchError",
    "ImportSourceError",
    "UnknownDataset",
]


class DatasetError(Exception):
    """Base class: something is wrong with a dataset, not with the student's code."""


class UnknownDataset(DatasetError, KeyError):
    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        self.name = name
        self.known = known
        super().__init__(name)

    def __str__(self) -> str:
        return f"no dataset called {self.name!r}; the registry knows: {', '.join(self.known)}"


class DatasetMissing(DatasetError, FileNotFoundError):
    """A dataset (or some of its files) is not in the data root.

    The message names the root, how it was chosen, the missing files, and ends with the
    exact commands that put the dataset there.
    """

    def __init__(self, name: str, root: Path, missing: tuple[str, ...], root_origin: str) -> None:
        self.name = name
        self.root = root
        self.missing = missing
        self.root_origin = root_origin
        super().__init__(name)

    @property
    def commands(self) -> tuple[str, str]:
        """The offline command (import a copy) and the online one (fetch)."""
        return (f"grader data import {self.name} /path/to/{self.name}-folder-or-archive",
                f"grader data fetch {self.name}")

    def __str__(self) -> str:
        shown = ", ".join(self.missing[:4]) + (f" and {len(self.missing) - 4} more" if len(self.missing) > 4 else "")
        offline, online = self.commands
        return (f"dataset {self.name!r} is not in the data root {self.root} ({self.root_origin}): "
                f"missing {shown}.\n"
                f"Import a copy you have, or download it on a machine with internet:\n"
                f"  {offline}\n"
                f"  {online}")


class DatasetCorrupt(DatasetError):
    """Files on disk differ from the registry (``problems`` holds one line per file)."""

    def __init__(self, name: str, problems: tuple[str, ...]) -> None:
        self.name = name
        self.problems = problems
        super().__init__(name)

    def __str__(self) -> str:
        lines = "\n".join(f"  {p}" for p in self.problems)
        return (f"dataset {self.name!r} is corrupt:\n{lines}\n"
                f"Import or fetch it again (the old copy is replaced):\n"
                f"  grader data import {self.name} /path/to/{self.name}-folder-or-archive\n"
                f"  grader data fetch {self.name} --force")


class ImportSourceError(DatasetError):
    """The folder or archive handed to ``import`` does not hold a good copy."""

    def __init__(self, name: str, source: Path, reason: str) -> None:
        self.name = name
        self.source = source
        self.reason = reason
        super().__init__(name)

    def __str__(self) -> str:
        return (f"cannot import {self.name!r} from {self.source}: {self.reason}\n"
                f"See what the registry expects: grader data where {self.name}")


class FetchError(DatasetError):
    """Every URL of a file failed; ``failures`` holds one ``url: reason`` line each."""

    def __init__(self, filename: str, failures: tuple[str, ...], name: str = "") -> None:
        self.filename = filename
        self.failures = failures
        self.name = name
        super().__init__(filename)

    def __str__(self) -> str:
        lines = "\n".join(f"  {f}" for f in self.failures) or "  (no URL is registered for it)"
        tail = (f"\nOn a machine without internet, import a copy instead:\n"
                f"  grader data import {self.name} /path/to/{self.name}-folder-or-archive") if self.name else ""
        return f"could not download {self.filename}:\n{lines}{tail}"
