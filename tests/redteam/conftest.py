"""Fixtures of the red-team suite: the host under attack, and reference results to compare with.

The grader runs each rubric's hidden tests in an in-process pytest session whose root is
``project/rubrics/<id>/tests``; that inner session loads this conftest too (it sits in
a parent folder). Everything here therefore stands aside when the session is an inner one.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from tests.redteam.harness import CORPUS, PROJECT, Host, grade_submission


def _inner_session(config: pytest.Config) -> bool:
    root = Path(config.rootpath).resolve()
    return root == PROJECT or PROJECT in root.parents


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The project's hidden tests and the corpus's submissions are data, not tests of this suite."""
    if _inner_session(config):
        return None
    path = Path(collection_path).resolve()
    for data in (PROJECT, CORPUS):
        if path == data or data in path.parents:
            return True
    return None


@pytest.fixture(scope="session", autouse=True)
def _quick_garbage_collection(request: pytest.FixtureRequest) -> None:
    """pytest's unraisable-exception hook runs gc.collect() after each hidden-test session; with
    torch imported that costs ~0.15 s a time. Freezing what is loaded now keeps it to a few ms."""
    if _inner_session(request.config):
        return
    import numpy  # noqa: F401
    import torch  # noqa: F401

    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def _own_temp_dir(request: pytest.FixtureRequest) -> Iterator[None]:
    """Scratch folders of this suite in a folder of its own, so "nothing left behind" is
    checked against our gradings only (other test runs may share /tmp)."""
    if _inner_session(request.config):
        yield
        return
    root = Path(tempfile.mkdtemp(prefix="redteam-tmp-"))
    os.chmod(root, 0o755)
    old = tempfile.tempdir
    tempfile.tempdir = str(root)
    try:
        yield
    finally:
        tempfile.tempdir = old
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def host(_own_temp_dir) -> Iterator[Host]:  # type: ignore[no-untyped-def]
    h = Host()
    try:
        yield h
    finally:
        h.close()


_baselines: dict[tuple[str, str], object] = {}


@pytest.fixture(scope="session")
def baseline():  # type: ignore[no-untyped-def]
    """The reference solution's result per (assignment, backend): what an intact item scores."""

    def get(assignment: str, backend: str):  # type: ignore[no-untyped-def]
        key = (assignment, backend)
        if key not in _baselines:
            _baselines[key] = grade_submission(PROJECT / "reference" / assignment, assignment=assignment,
                                               backend=backend)
        return _baselines[key]

    return get
