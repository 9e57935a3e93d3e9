"""The whole red-team corpus, graded end to end on the docker backend: every case contained.

Same cases and expectations as tests/redteam/test_corpus.py (a ``[docker]`` section in a
case's expect.toml would override them); needs a Docker engine (see conftest.py).

``GRADER_DOCKER_CORPUS=escape,tampering,...`` limits the run to those families (CI's time
budget); the default is every family.
"""

from __future__ import annotations

import os

import pytest

from grader.sandbox import cgroups
from tests.redteam.harness import Case, check_case, load_cases

CASES = load_cases()
FAMILIES = {f.strip() for f in os.environ.get("GRADER_DOCKER_CORPUS", "all").split(",") if f.strip()}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_on_docker(case: Case, docker_engine, host, baseline, tmp_path):  # type: ignore[no-untyped-def]
    if "all" not in FAMILIES and case.family not in FAMILIES:
        pytest.skip(f"GRADER_DOCKER_CORPUS={','.join(sorted(FAMILIES))} leaves out the {case.family} family")
    if case.needs == "cgroup" and cgroups.detect().version == "none":
        pytest.skip(f"{case.id} needs a cgroup, which this host does not give: {cgroups.detect().reason}")
    check_case(case, "docker", host, baseline, tmp_path)


def test_docker_contains_every_case_by_its_expectations():
    """docker is a full-isolation backend like bwrap: no case may be a known hole under it."""
    for case in load_cases():
        assert not case.expectation("docker", worker_same_uid=False).known, case.id
