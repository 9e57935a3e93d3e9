"""cs446-hw3 benchmarks: the time to grade the reference, split by item, and the CPU cost of
the reference's SIREN trainings (the bulk of it).

    GRADER_DATA=... python bench/bench_cs446.py [--no-grade] [--no-train] [--threads 1]

Prints:

- the wall time and the CPU time of the whole machine (all processes: the grader, the
  sandboxed worker) to grade ``reference/cs446-hw3`` end to end, and each item's share as the
  grader measured it (an item's tests' durations; 5.5.* holds the trainings);
- per activation, the CPU and wall time of the reference's own training with its answers.yaml
  settings in this process, and of the grader's judgement of the model (output, gradient,
  Laplacian), with the budget the rubric allows (``TRAIN_BUDGET_S`` of the hidden tests).

Targets: grading the reference within the rubric's wall_s; each training under
``TRAIN_BUDGET_S`` CPU seconds with room (x2) for a slower machine.
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
    import yaml

    sys.path[:0] = [str(ROOT / "reference" / "cs446-hw3"), str(ROOT / "rubrics" / "cs446-hw3" / "tests")]
    torch.set_num_threads(threads)
    import siren
    from test_siren_training import TRAIN_BUDGET_S

    from grader.worker.probes.cs446_hw3 import _judge

    settings = yaml.safe_load((ROOT / "reference" / "cs446-hw3" / "answers.yaml").read_text())["5.5"]
    table = Table(title=f"reference SIREN training, {threads} thread(s), budget {TRAIN_BUDGET_S:.0f} CPU s each")
    for column in ("activation", "epochs x batch", "train CPU s", "train wall s", "judge CPU s", "final loss"):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)   # train() saves its model in the working folder
        for activation, entry in settings.items():
            torch.manual_seed(446)
            cpu, start = time.process_time(), time.perf_counter()
            model, losses = siren.train(entry["epochs"], entry["batch_size"], activation)
            train_cpu, train_wall = time.process_time() - cpu, time.perf_counter() - start
            cpu = time.process_time()
            _judge(model)
            table.add_row(activation, f"{entry['epochs']} x {entry['batch_size']}", f"{train_cpu:.1f}",
                          f"{train_wall:.1f}", f"{time.process_time() - cpu:.1f}", f"{np.asarray(losses)[-1]:.4f}")
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
