"""Notebook grading benchmark: the comp499-a1 reference notebook, and otter-grader beside it.

    python bench/bench_notebook.py [--skip-otter]

Prints, from one run on this machine:

- the wall time to grade ``reference/comp499-a1/comp499_a1.ipynb`` end to end, split into
  kernel start (sandbox + Python + torch + IPython, before the first cell), execution (all
  the cells, four 5-epoch MNIST trainings included) and checks (the hidden tests, intake
  and reports: the rest);
- in the same run, the time ``otter run`` (otter-grader, local mode, no Docker) takes to
  execute the same notebook and grade it with an equivalent test set (the same checks written
  as otter tests), and the ratio of the two.

otter-grader is optional: without it (``pip install otter-grader``, or ``OTTER=/path/to/otter``
for one installed in another environment) its row says so.
The machine is shared; run it when it is idle and say so with the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from grader.api import grade
from grader.assignments import assignment_paths
from grader.datasets.paths import data_root

console = Console()
ASSIGNMENT = "comp499-a1"
NOTEBOOK = "comp499_a1.ipynb"
OTTER_DIR = Path(__file__).parent / "otter_comp499"


def grade_reference() -> dict[str, float]:
    paths = assignment_paths(ASSIGNMENT)
    started = time.perf_counter()
    result = grade(paths.reference_dir / NOTEBOOK, assignment=ASSIGNMENT)
    total = time.perf_counter() - started
    record = getattr(result, "notebook", None)
    kernel = float(getattr(record, "kernel_start_s", 0.0) or 0.0)
    execution = float(getattr(record, "execution_s", 0.0) or 0.0)
    return {"total": total, "kernel": kernel, "execution": execution, "checks": total - kernel - execution,
            "score": float(result.score), "max": float(result.max_score)}


def grade_with_otter(work: Path) -> dict[str, float] | str:
    """``otter run`` on the same notebook with bench/otter_comp499's tests; a reason when it cannot."""
    otter = os.environ.get("OTTER") or shutil.which("otter") or str(Path(sys.executable).parent / "otter")
    if not Path(otter).exists():
        return "otter-grader is not installed (pip install otter-grader)"
    paths = assignment_paths(ASSIGNMENT)
    autograder = work / "autograder.zip"
    subprocess.run([sys.executable, str(OTTER_DIR / "make_autograder.py"), str(autograder)], check=True)
    submission = work / NOTEBOOK
    shutil.copyfile(paths.reference_dir / NOTEBOOK, submission)
    # the same footing as our worker: one torch thread (otter sets none, and on a busy machine
    # torch's default thread pool made its run ten times slower), the data where the notebook looks
    env = {**os.environ, "COMP499_DATA": str(data_root()), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1"}
    started = time.perf_counter()
    proc = subprocess.run([otter, "run", "--no-logo", "-a", str(autograder), "-o", str(work), str(submission)],
                          capture_output=True, text=True, cwd=work, env=env)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        return f"otter run failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-400:]}"
    results = json.loads((work / "results.json").read_text())
    score = results.get("score") or sum(t.get("score") or 0 for t in results.get("tests", []))
    return {"total": seconds, "score": float(score)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-otter", action="store_true")
    args = parser.parse_args()
    ours = grade_reference()
    table = Table(title=f"Grading the {ASSIGNMENT} reference notebook (one run)")
    for column in ("grader", "kernel start", "execution", "checks + rest", "total", "score"):
        table.add_column(column)
    table.add_row("dl-grader (bwrap sandbox)", f"{ours['kernel']:.1f} s", f"{ours['execution']:.1f} s",
                  f"{ours['checks']:.1f} s", f"{ours['total']:.1f} s", f"{ours['score']:g}/{ours['max']:g}")
    if not args.skip_otter:
        with tempfile.TemporaryDirectory(prefix="bench-otter-") as tmp:
            otter = grade_with_otter(Path(tmp))
        if isinstance(otter, str):
            table.add_row("otter-grader (local)", "", "", "", otter, "")
        else:
            table.add_row("otter-grader (local, no Docker)", "", "", "", f"{otter['total']:.1f} s",
                          f"{otter['score']:g}")
            console.print(f"ratio dl-grader / otter: {ours['total'] / otter['total']:.2f}")
    console.print(table)


if __name__ == "__main__":
    main()
