"""``grader doctor``'s docker line, and the reason given when no engine answers (no engine needed)."""

from __future__ import annotations

import shutil

import pytest

from grader.cli.doctor import doctor_report
from grader.sandbox.docker import engine_problem


def test_without_an_engine_the_reason_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    problem = engine_problem()
    assert problem is not None
    if shutil.which("docker"):
        assert problem.startswith("no Docker engine answers (start dockerd, or set DOCKER_HOST)"), problem
    else:
        assert "apt-get install docker.io" in problem


@pytest.mark.usefixtures("docker_engine")
def test_doctor_reports_the_docker_backend_with_every_protection():
    report = doctor_report()
    docker = report["docker"]
    assert docker["available"], docker["problem"]
    names = [p["name"] for p in docker["protections"]]
    assert names == ["namespaces", "network", "file system", "own uid", "seccomp", "cgroup", "tree kill",
                     "disk quota", "rlimits"]
    assert all(p["detail"] for p in docker["protections"])
    assert "docker" not in report["backends"]  # never chosen without being named
    assert report["default_backend"] != "docker"
