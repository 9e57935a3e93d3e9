"""``grader batch`` end to end with real, sandboxed grading of the toy assignment.

The uninterrupted run is shared (module scope); the SIGKILL test kills a second run of the same
command at a random point, checks that no process of it survives (pool workers, bubblewrap,
the sandboxed workers), resumes it, and compares the gradebooks byte for byte.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli.batch import cli
from grader.cli.exit_codes import ExitCode
from tests.batch.helpers import (
    GOOD,
    TOY_ROOT,
    WRONG_ADD,
    descendants,
    gradebook,
    toy_class,
    wait_gone,
)

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
STUDENTS = 8
runner = CliRunner()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    base = tmp_path_factory.mktemp("toy-batch")
    subs = base / "subs"
    expected = toy_class(subs, STUDENTS)
    out = base / "out"
    env = {**os.environ, "GRADER_HOME": str(TOY_ROOT), "COLUMNS": "160"}
    proc = subprocess.run([sys.executable, "-m", "grader.cli.batch", "batch", str(subs), "-a", "toy", "-o", str(out),
                           "-j", "2"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    return subs, out, expected, proc


def test_the_batch_grades_every_student_as_grade_would(uninterrupted):
    subs, out, expected, proc = uninterrupted
    assert proc.returncode == ExitCode.OK, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "/min" in proc.stdout and "graded now" in proc.stdout and "summary:" in proc.stdout
    book = gradebook(out)
    assert {s: float(r["total"]) for s, r in book.items()} == expected
    assert all(r["status"] == "graded" and "manual-pending" in r["flags"] for r in book.values())
    assert all((out / "students" / s / "report.html").is_file() for s in expected)
    summary = (out / "summary.html").read_text()
    assert f'id="n-students">{STUDENTS}<' in summary


def test_a_batch_killed_with_sigkill_leaves_no_process_and_resumes_to_the_same_gradebook(uninterrupted, tmp_path):
    subs, whole, _, _ = uninterrupted
    out = tmp_path / "killed"
    env = {**os.environ, "GRADER_HOME": str(TOY_ROOT), "COLUMNS": "160"}
    argv = [sys.executable, "-m", "grader.cli.batch", "batch", str(subs), "-a", "toy", "-o", str(out), "-j", "2"]
    seed = random.randrange(1_000_000)
    target = random.Random(seed).randint(1, STUDENTS - 2)
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sandboxed: set[int] = set()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        family = descendants(proc.pid)
        sandboxed |= family
        if len(list((out / "journal").glob("*.json"))) >= target:
            break
        time.sleep(0.05)
    family = descendants(proc.pid) | sandboxed
    proc.kill()
    proc.wait()
    done = len(list((out / "journal").glob("*.json")))
    assert done < STUDENTS, f"seed {seed}: the batch finished before the kill"
    left = wait_gone(family, timeout=30)
    assert not left, f"seed {seed}: still running after the batch was killed: {_describe(left)}"
    resumed = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert f"{done} already done" in resumed.stdout
    for name in ("gradebook.csv", "canvas.csv", "gradescope.csv"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), f"seed {seed}: {name} differs"


def _describe(pids: set[int]) -> str:
    out = []
    for pid in sorted(pids):
        try:
            out.append(f"{pid}: {Path(f'/proc/{pid}/cmdline').read_bytes().replace(bytes(1), b' ').decode()[:120]}")
        except OSError:
            pass
    return "; ".join(out)


def test_a_canvas_download_is_graded_under_canvas_user_ids(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_HOME", str(TOY_ROOT))
    monkeypatch.setenv("COLUMNS", "160")
    subs = tmp_path / "canvas"
    subs.mkdir()
    (subs / "doejane_1001_55501_calc.py").write_text(GOOD)
    (subs / "doejane_1001_55501_answers.md").write_text("because")
    (subs / "roebob_LATE_1002_55502_calc-1.py").write_text(WRONG_ADD)
    out = tmp_path / "out"
    result = runner.invoke(cli, ["batch", str(subs), "-a", "toy", "-o", str(out), "-j", "2",
                                 "--canvas-column", "Toy (777)"])
    assert result.exit_code == 0, result.output
    assert "canvas layout" in result.output
    book = gradebook(out)
    assert {s: (r["total"], r["flags"]) for s, r in book.items()} == {
        "1001": ("5", "manual-pending"), "1002": ("2", "late;manual-pending")}
    canvas = (out / "canvas.csv").read_text().splitlines()
    assert canvas[0].endswith("Toy (777)") and canvas[2] == "doejane,1001,,,,5"
