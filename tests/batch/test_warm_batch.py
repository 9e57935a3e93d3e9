"""``grader batch`` with warm workers (the default) and with ``--no-warm``: same grades, nothing left.

The toy class is graded twice with the real sandbox, once each way; the gradebooks must be
byte-identical, and after the warm run no warm sandbox may be left (processes, mounts,
cgroups). Where warm workers cannot be had, the batch says so and grades with fresh ones.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from grader.batch import work
from grader.cli.exit_codes import ExitCode
from grader.sandbox import backend_problem, cgroups
from grader.sandbox.zygote import warm_unavailable_reason
from tests.batch.helpers import GOOD, TOY_ROOT, gradebook, toy_class

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(backend_problem("bwrap") is not None or warm_unavailable_reason() is not None,
                       reason="warm workers need bwrap as root with a cgroup"),
]
REPO = Path(__file__).resolve().parents[2]


def _batch(subs: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GRADER_HOME": str(TOY_ROOT), "COLUMNS": "160"}
    return subprocess.run([sys.executable, "-m", "grader.cli.batch", "batch", str(subs), "-a", "toy", "-o", str(out),
                           "-j", "2", *extra], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def _zygote_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("grader-zygote-*")}


def test_warm_and_fresh_workers_give_byte_identical_gradebooks_and_leave_nothing(tmp_path):
    subs = tmp_path / "subs"
    expected = toy_class(subs, 6)
    (subs / "t99").mkdir()  # says who started its worker: the zygote (pid 2) or bubblewrap's init (pid 1)
    (subs / "t99" / "calc.py").write_text(f"import os\nprint(f'PARENT={{os.getppid()}}')\n\n{GOOD}")
    expected["t99"] = 5.0
    before_folders, before_cgroups = _zygote_folders(), set(cgroups.leftover_cgroups())
    warm = _batch(subs, tmp_path / "warm")
    fresh = _batch(subs, tmp_path / "fresh", "--no-warm")
    for proc in (warm, fresh):
        assert proc.returncode == ExitCode.OK, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert "warm workers not used" not in proc.stderr
    assert {s: float(r["total"]) for s, r in gradebook(tmp_path / "warm").items()} == expected
    assert (tmp_path / "warm" / "gradebook.csv").read_bytes() == (tmp_path / "fresh" / "gradebook.csv").read_bytes()
    for run, parent in (("warm", "PARENT=2"), ("fresh", "PARENT=1")):
        result = (tmp_path / run / "students" / "t99" / "result.json").read_text()
        assert parent in result, f"the {run} run's worker was not started as expected: {result}"
    assert _zygote_folders() == before_folders, "a pool worker left its warm sandbox's workspace behind"
    assert not set(cgroups.leftover_cgroups()) - before_cgroups, "a pool worker left its warm sandbox's cgroup behind"
    mounts = Path("/proc/self/mountinfo").read_text()
    assert "grader-zygote-" not in mounts


def test_a_worker_that_cannot_have_warm_workers_says_why_and_grades_fresh(tmp_path, monkeypatch):
    """In-process ``grade_task`` (what a pool worker runs) with the host refusing warm sandboxes."""
    from grader.sandbox import zygote

    monkeypatch.setattr(zygote, "warm_unavailable_reason", lambda: "this host refuses (test)")
    monkeypatch.setattr("grader.sandbox.bwrap.warm_unavailable_reason", lambda: "this host refuses (test)")
    work._assignment.cache_clear()
    folder = tmp_path / "t00"
    toy_class(tmp_path / "class", 1)
    (tmp_path / "class" / "t00").rename(folder)
    task = {"key": "t00", "assignment": "toy", "backend": "bwrap", "warm": True, "submission": str(folder),
            "root": str(TOY_ROOT), "regrade_items": None, "previous": None}
    try:
        answer = work.grade_task(task)
    finally:
        work.close()
        work._assignment.cache_clear()
    assert "result" in answer, answer.get("error")
    assert answer["warm_problem"] == "this host refuses (test)"
    assert '"outcome":"graded"' in answer["result"]
