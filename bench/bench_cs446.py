"""cs446-hw3 benchmarks: the time to grade the reference, split by item, and the CPU cost of
the reference's SIREN trainings (the bulk of it).

    GRADER_DATA=... python bench/bench_cs446.py [--no-grade] [--no-train] [--threads 1]

Prints:

- the wall time and the CPU time of the whole machine (all processes: the grader, the
  sandboxed worker) to grade ``reference/cs446-hw3`` end to end, and each item's share as the
  grader measured it (an item's tests' durations; 5.5.* holds the trainings);
- per activation, the CPU and wall time of the grader's run of the reference's ``train()``
  (``RUNS`` and ``LEARNING_RATES`` of the hidden tests, through the probe ``course_train``) in
  this process, and of the grader's judgement of the saved state in its own Siren.

Target: grading a course-style correct submission in at most 3 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
console = Console()


def _machine_cpu() -> float:
    """CPU seconds used by every process of the machine so far (user + system), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:]
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[0]) + int(fields[1]) + int(fields[2])) / ticks


def bench_grade(out: Path | None) -> None:
    from grader.api import grade
    from grader.assignments import assignment_paths

    paths = assignment_paths("cs446-hw3")
    cpu, start = _machine_cpu(), time.perf_counter()
    result = grade(paths.reference_dir, assignment="cs446-hw3", out_dir=out)
    wall, cpu = time.perf_counter() - start, _machine_cpu() - cpu
    table = Table(title=f"grading the cs446-hw3 reference: {wall:.1f} s wall, {cpu:.1f} s CPU (whole machine), "
                        f"score {result.score:g} / {result.max_score:g}")
    table.add_column("item")
    table.add_column("seconds", justify="right")
    table.add_column("share", justify="right")
    timed = sorted((i for i in result.items if i.duration_s), key=lambda i: -i.duration_s)
    for item in timed:
        table.add_row(item.id, f"{item.duration_s:.1f}", f"{100 * item.duration_s / wall:.0f} %")
    rest = wall - sum(i.duration_s for i in timed)
    table.add_row("(rest: intake, worker start, imports)", f"{rest:.1f}", f"{100 * rest / wall:.0f} %")
    console.print(table)


def bench_train(threads: int) -> None:
    import numpy as np
    import torch

    sys.path[:0] = [str(ROOT / "reference" / "cs446-hw3"), str(ROOT / "rubrics" / "cs446-hw3" / "tests")]
    torch.set_num_threads(threads)
    import siren
    from cs446_helpers import cameraman_target, load_course_siren, siren_images
    from test_siren_training import LEARNING_RATES, RUNS

    from grader.worker.probes.cs446_hw3 import course_train

    table = Table(title=f"the grader's runs of the reference's train(), {threads} thread(s) (RUNS of the rubric)")
    for column in ("activation", "epochs x batch", "train CPU s", "train wall s", "judge CPU s", "loss"):
        table.add_column(column, justify="right")
    target = cameraman_target()
    for activation, (epochs, batch) in RUNS.items():
        start = time.perf_counter()
        raw = course_train(siren, activation, epochs, batch, 446, LEARNING_RATES[activation])
        train_wall = time.perf_counter() - start
        cpu = time.process_time()
        output = siren_images(load_course_siren(raw["state"], activation, raw["orientation"]))["output"]
        loss = float(np.mean((output - target) ** 2))
        table.add_row(activation, f"{epochs} x {batch}", f"{raw['train_cpu_s']:.1f}", f"{train_wall:.1f}",
                      f"{time.process_time() - cpu:.1f}", f"{loss:.4f}")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-grade", action="store_true")
    parser.add_argument("--no-train", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="write the reference's report here")
    args = parser.parse_args()
    if not args.no_train:
        bench_train(args.threads)
    if not args.no_grade:
        bench_grade(args.out)


if __name__ == "__main__":
    main()
