"""A Docker engine for the docker backend's tests: the one that answers, or one we start.

When no engine answers and we are root with ``dockerd`` installed (Debian: ``apt-get
install docker.io``), the session starts one (no bridge, no iptables: workers use
``--network none``) and stops it at the end. Otherwise every test here is skipped,
saying why. The red-team fixtures (``host``, ``baseline``) are shared with tests/redteam.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.redteam.conftest import _own_temp_dir, _quick_garbage_collection, baseline, host  # noqa: F401

_START_S = 60


def _start_dockerd() -> tuple[subprocess.Popen | None, str]:
    """Start dockerd when we may; (process, "") or (None, why not)."""
    from grader.sandbox.docker import engine_problem

    problem = engine_problem()
    if problem is None:
        return None, ""
    if "not installed" in problem:
        return None, problem
    if os.geteuid() != 0 or not shutil.which("dockerd"):
        return None, f"{problem}; and this session cannot start one (needs root and dockerd)"
    state = Path(tempfile.mkdtemp(prefix="grader-dockerd-"))
    log = open(state / "dockerd.log", "wb")
    proc = subprocess.Popen(["dockerd", "--iptables=false", "--ip6tables=false", "--bridge=none"],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + _START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if engine_problem() is None:
            return proc, ""
        time.sleep(0.5)
    proc.kill()
    proc.wait()
    tail = (state / "dockerd.log").read_text(errors="replace")[-800:]
    return None, f"dockerd did not start within {_START_S} s: {tail}"


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[None]:
    """Skip (saying why) unless a Docker engine answers; start dockerd for the session when root."""
    proc, why = _start_dockerd()
    if why:
        pytest.skip(f"no Docker engine: {why}")
    import grader.sandbox

    grader.sandbox._probe_cache.pop("docker", None)  # a probe made before the engine started
    try:
        yield
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
