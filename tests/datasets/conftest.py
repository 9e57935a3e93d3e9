"""Fixtures for the dataset tests: one import of every dataset per session, from the shared copies.

``grader_data`` imports everything from ``<repo>/../shared/data`` (or ``$GRADER_SHARED_DATA``)
into a session temporary folder with the real CLI, and points ``$GRADER_DATA`` at it for the
rest of the session. The IMDB import is the slow part (seconds), so it happens once.
Without the shared copies the tests that need data FAIL with a message saying where they looked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli.data import data_app
from tests.datasets._support import shared_data_dir


@dataclass(frozen=True)
class ImportedData:
    root: Path
    shared: Path
    #: the CLI run that imported everything: exit code, stdout, stderr
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_data_dir()


@pytest.fixture(scope="session")
def grader_data(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImportedData]:
    root = tmp_path_factory.mktemp("grader-data")
    result = CliRunner().invoke(data_app, ["import", "all", str(shared_data)], env={"GRADER_DATA": str(root)})
    if result.exit_code != 0:
        pytest.fail(f"`grader data import all {shared_data}` failed ({result.exit_code}):\n"
                    f"{result.stdout}\n{result.stderr}\n{result.exception!r}", pytrace=False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADER_DATA", str(root))
        yield ImportedData(root, shared_data, result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def empty_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``$GRADER_DATA`` pointing at an empty folder, for this test only."""
    root = tmp_path / "empty-data-root"
    monkeypatch.setenv("GRADER_DATA", str(root))
    return root


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()
