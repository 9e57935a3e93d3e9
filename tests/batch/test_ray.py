"""The Ray executor on a local Ray instance started by the test: same results as the local pool.

The submissions and the assignment travel with the tasks (packed as data), so the sandbox
starts on the node that runs the task, in a Ray worker process, never in the test's process.
"""

from __future__ import annotations

import json
import os

import pytest

from grader.batch import BatchOptions, run_batch
from tests.batch.helpers import TOY_ROOT, gradebook, toy_class

ray = pytest.importorskip("ray", reason="the Ray executor needs Ray: pip install 'dl-grader[ray]'")
pytestmark = pytest.mark.slow


def test_ray_grades_like_the_local_pool_with_the_sandbox_on_the_ray_worker(tmp_path):
    subs = tmp_path / "subs"
    expected = toy_class(subs, 4)
    (subs / "t03" / "calc.py").write_text((subs / "t03" / "calc.py").read_text() + "\n# numpy kind\n")
    local = run_batch(subs, assignment="toy", out_dir=tmp_path / "local", root=TOY_ROOT,
                      options=BatchOptions(jobs=2))
    remote = run_batch(subs, assignment="toy", out_dir=tmp_path / "ray", root=TOY_ROOT,
                       options=BatchOptions(jobs=2, executor="ray"))
    assert not ray.is_initialized()  # the executor shut down the Ray it started
    assert remote.graded == local.graded == 4 and remote.executor.startswith("ray")
    assert gradebook(tmp_path / "ray") == gradebook(tmp_path / "local")
    assert {s: float(r["total"]) for s, r in gradebook(tmp_path / "ray").items()} == expected
    for path in (tmp_path / "ray" / "journal").glob("*.json"):
        record = json.loads(path.read_text())
        host, pid = record["host"].rsplit(":", 1)
        assert int(pid) != os.getpid() and record["executor"] == "ray"
        assert record["result"]["sandbox"] == "bwrap"
        assert record["result"]["submission"] == path.stem  # the packed folder keeps its name
    assert (tmp_path / "ray" / "summary.html").is_file()


def test_an_unreachable_cluster_is_a_clear_error(tmp_path):
    from grader.batch import ExecutorUnavailable

    subs = tmp_path / "subs"
    toy_class(subs, 1)
    with pytest.raises(ExecutorUnavailable, match="ray start --head"):
        run_batch(subs, assignment="toy", out_dir=tmp_path / "out", root=TOY_ROOT,
                  options=BatchOptions(executor="ray", address="127.0.0.1:1"))
