"""ee150-ps3 benchmarks: the time to grade the reference, split by item, and the training budgets.

    python bench/bench_ee150.py              # grade the reference once, per-item times
    python bench/bench_ee150.py --full       # the handout's runs: MNIST 5 epochs on 48000 images
                                             # (GRADER_EE150_FULL=1), retrains on 2000 reviews

Prints the wall time of the whole grading, each automatic item's share as the grader
measured it (the tests of an item, including the training its first test triggers), the
IMDB checkpoint evaluation (six checkpoints on 1000 held-out reviews each) and the MNIST
accuracies the reference reached. Needs the mnist and imdb datasets (``grader data``).
Speed targets live here, never in timed unit tests: the default grading should stay
under 5 minutes on a 2-core machine, so that CI can grade the reference once per run.
"""

from __future__ import annotations

import argparse
import os
import base64
import time

from rich.console import Console
from rich.table import Table

from grader.api import grade
from grader.assignments import assignment_paths

console = Console()
ASSIGNMENT = "ee150-ps3"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the handout's training runs (slow: tens of minutes)")
    args = parser.parse_args()
    if args.full:
        os.environ["GRADER_EE150_FULL"] = "1"
    paths = assignment_paths(ASSIGNMENT)
    start = time.perf_counter()
    result = grade(paths.reference_dir, assignment=ASSIGNMENT)
    total = time.perf_counter() - start
    table = Table(title=f"{ASSIGNMENT} reference ({'full' if args.full else 'default'} budget): "
                        f"{result.score:g}/{result.max_score:g} in {total:.1f} s")
    table.add_column("item")
    table.add_column("points", justify="right")
    table.add_column("seconds", justify="right")
    checkpoints = 0.0
    for item in result.items:
        if item.status.value == "manual":
            continue
        table.add_row(item.id, f"{item.points:g}/{item.max_points:g}", f"{item.duration_s:.1f}")
        if item.id.endswith("checkpoints"):
            checkpoints += item.duration_s
    console.print(table)
    console.print(f"IMDB checkpoint evaluation (6 checkpoints x 1000 reviews): {checkpoints:.1f} s")
    for item in result.items:
        for artifact in item.artifacts:
            if artifact.media_type == "text/plain" and artifact.data_b64:
                console.print(f"  {item.id}: {base64.b64decode(artifact.data_b64).decode()}")


if __name__ == "__main__":
    main()
