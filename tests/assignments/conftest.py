"""Fixtures for the homework tests.

``warm_backend``: one ``BwrapBackend(warm=True)`` for this package's tests, as a batch's pool
worker has one, so the many variant gradings fork their workers from a warm sandbox instead
of importing torch in a fresh one each time (and prove, every run, that warm workers grade
every variant as expected). The references and templates (``validate``) still grade with
fresh workers. None where warm workers cannot be had: ``grade`` then starts fresh ones.
Package-scoped, not session-scoped: the zygote must be gone before later packages'
tests check that no sandbox, cgroup or process of ours is left.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.sandbox import Backend, BwrapBackend, backend_problem
from grader.sandbox.zygote import warm_unavailable_reason

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="package")
def warm_backend() -> Backend | None:
    if backend_problem("bwrap") is not None or warm_unavailable_reason() is not None:
        yield None
        return
    backend = BwrapBackend(forbidden_roots=(PROJECT,), warm=True)
    yield backend
    backend.close()
