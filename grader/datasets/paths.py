"""Where datasets live, and the one check every loader makes before reading.

The data root is ``$GRADER_DATA`` when set, else ``<user cache>/dl-grader/data``
(platformdirs). It is read on every call, not cached, so a test or a batch run can point
the grader at another root by setting the variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import platformdirs

from grader.datasets.errors import DatasetMissing
from grader.datasets.registry import get_dataset

__all__ = ["ENV_VAR", "data_root", "describe_root", "require"]

#: the environment variable that overrides the default data root
ENV_VAR = "GRADER_DATA"


def data_root() -> Path:
    """The folder holding one sub-folder per dataset (it may not exist yet)."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser().absolute()
    return Path(platformdirs.user_cache_dir("dl-grader")) / "data"


def describe_root(root: Path | None = None) -> str:
    """How ``root`` was chosen, for messages: a path the user did not pick needs explaining."""
    if root is not None:
        return "given explicitly"
    if os.environ.get(ENV_VAR, "").strip():
        return f"from ${ENV_VAR}"
    return f"the default; set ${ENV_VAR} to use another folder"


def require(name: str, *, root: Path | None = None, files: Iterable[str] | None = None) -> Path:
    """The folder of dataset ``name`` after checking that ``files`` (default: all it stores) exist.

    Only existence is checked (hashing on every load would cost seconds); ``grader data
    verify`` re-hashes. A loader asks only for the files it reads, so the train split
    loads inside the sandbox, where the trusted files are absent by design.
    Raises :class:`DatasetMissing`, whose message ends with the commands to run.
    """
    dataset = get_dataset(name)
    folder = dataset.folder(root)
    wanted = tuple(files) if files is not None else tuple(f.path for f in dataset.files)
    for rel in wanted:
        dataset.file(rel)  # a name the registry does not list is a bug in the caller: KeyError
    missing = tuple(rel for rel in wanted if not (folder / rel).is_file())
    if missing:
        where = root if root is not None else data_root()
        raise DatasetMissing(name, Path(where), missing, describe_root(root))
    return folder
