"""Engine benchmarks: sandbox start overhead and the time to grade a reference.

    python bench/bench_engine.py [--runs 5] [--assignment nyu-dl-hw1]

Prints, from one run on this machine:

- the start cost of a process in each sandbox, as a ratio to a bare process
  (``python -c pass``) and for ``python -c "import torch"`` (goal: <= 1.10);
- the wall time to grade the assignment's reference solution, end to end, and its
  split per item as the grader measured it.

Speed targets live here, never in timed unit tests.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from grader.api import grade
from grader.assignments import assignment_paths
from grader.sandbox import Limits, run_command

console = Console()


def _median_time(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def sandbox_overhead(runs: int) -> None:
    limits = Limits(wall_s=120)
    table = Table(title=f"Process start, median of {runs} runs")
    for column in ("command", "bare (s)", "bwrap (s)", "bwrap ratio", "rlimit (s)", "rlimit ratio"):
        table.add_column(column, justify="right" if column != "command" else "left")
    for label, code in (("python -c pass", "pass"), ("python -c 'import torch'", "import torch")):
        argv = [sys.executable, "-s", "-c", code]
        bare = _median_time(lambda: subprocess.run(argv, check=True), runs)
        row = [label, f"{bare:.3f}"]
        for backend in ("bwrap", "rlimit"):
            with tempfile.TemporaryDirectory() as ws:
                def confined() -> None:
                    result = run_command(argv, workspace=Path(ws), limits=limits, backend=backend)
                    assert result.returncode == 0, result.output
                t = _median_time(confined, runs)
            row += [f"{t:.3f}", f"{t / bare:.2f}"]
        table.add_row(*row)
    console.print(table)


def grading_time(assignment: str) -> None:
    reference = assignment_paths(assignment).reference_dir
    start = time.perf_counter()
    result = grade(reference, assignment=assignment)
    total = time.perf_counter() - start
    table = Table(title=f"Grading the {assignment} reference: {total:.1f} s wall, score {result.score:g}/{result.max_score:g}")
    table.add_column("item")
    table.add_column("points", justify="right")
    table.add_column("time in tests (s)", justify="right")
    for item in result.items:
        table.add_row(item.id, f"{item.points:g}/{item.max_points:g}", f"{item.duration_s:.2f}")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--assignment", default="nyu-dl-hw1")
    args = parser.parse_args()
    sandbox_overhead(args.runs)
    grading_time(args.assignment)


if __name__ == "__main__":
    main()
