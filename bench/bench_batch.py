"""Batch benchmarks: throughput, the batch machinery's overhead, Ray vs the local pool, kill and resume.

    python bench/bench_batch.py [--students 200] [--distinct 24] [--jobs 1,2,default,default-fresh]
                                [--skip cpu,copies,copies-fresh,distinct,direct,ray,kill] [--json out.json]

Everything grades nyu-dl-hw1 with the real sandbox, on this machine. Prints:

- **copies**: the class of ``--students`` submissions built by ``tests/batch/nyu_mix.py`` (copies
  of 29 kinds: reference, template, 21 wrong variants, 6 hostile), ``grader batch`` with the
  default workers and ``--dedupe`` (byte-identical copies graded once, the default): the
  wall time of the whole command and submissions per minute. This is the issue's "200
  nyu-dl-hw1 submissions" batch; it runs 29 real gradings. **copies-fresh**: the same with
  ``--no-warm`` (a fresh sandboxed Python per worker), and whether both gradebooks are equal.
- **distinct**: ``--distinct`` submissions made unique (a comment with the student's id in every
  file), so each one is really graded, for each ``--jobs`` value: wall time, submissions per
  minute, and the time 200 distinct submissions would take at that rate (``default-fresh``:
  default workers with ``--no-warm``).
- **overhead** of the batch machinery beyond grading, from the ``-j 1`` distinct run: per
  submission, (time from dispatch to commit - the pipeline's own time) / the pipeline's time;
  for the whole command (process start, discovery, hashing, reports, exports included),
  (batch wall - sum of pipeline times) / sum of pipeline times; and the batch's wall time
  against a plain loop of ``grader.api.grade`` over the same submissions in one process (with
  one warm backend, as the batch's worker has).
- **ray**: the distinct batch with ``--executor ray`` (a local Ray started by the batch)
  against the local pool, same workers.
- **kill**: the copies batch SIGKILLed at a random point and resumed: wall time of the two
  parts and whether the gradebook equals the uninterrupted run's byte for byte.
- **cpu**: CPU-seconds of one grading, whatever else the machine runs: a process in a cgroup
  of its own (cgroup v1 ``cpuacct``, root only; the sandbox's cgroups nest inside it) grades a
  few submissions with ``grader.api.grade`` and reads the cgroup's CPU time around each; the
  trusted side's share is its own ``getrusage``, with fresh workers and with warm ones (one
  ``BwrapBackend(warm=True)``, as a batch's pool worker has). Also the CPU of ``python -c
  "import torch"`` in the sandbox: what a warm worker saves per submission. From these: the
  best 200 distinct submissions could do on two idle CPUs.

Speed targets live here, never in timed unit tests. The load average is printed: on a shared
machine other processes' CPU time shows up in every number.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.batch.nyu_mix import build_class, kinds  # noqa: E402

console = Console()
ASSIGNMENT = "nyu-dl-hw1"


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


_CPUACCT = Path("/sys/fs/cgroup/cpuacct")
#: CPU-seconds of the last ``run_measured`` (None where no cgroup could be made)
LAST_CPU: list[float | None] = [None]


def run_measured(argv: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    """Run ``argv``; wall seconds, and in ``LAST_CPU`` the CPU-seconds of its whole tree, sandboxes
    included, counted in a cgroup of its own (cgroup v1 cpuacct, root only) so other load does not count."""
    env = {**os.environ, "COLUMNS": "120"}
    group = _CPUACCT / f"bench-batch-{os.getpid()}-{time.monotonic_ns()}"
    preexec = None
    if os.geteuid() == 0 and (_CPUACCT / "cpuacct.usage").is_file():
        group.mkdir()
        procs = str(group / "cgroup.procs")

        def preexec() -> None:
            with open(procs, "w") as f:
                f.write(str(os.getpid()))
    start = time.perf_counter()
    try:
        proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, preexec_fn=preexec)
        LAST_CPU[0] = int((group / "cpuacct.usage").read_text()) / 1e9 if preexec else None
    finally:
        if preexec:
            for child in sorted((p for p in group.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
                child.rmdir()
            group.rmdir()
    return time.perf_counter() - start, proc


def run_batch_cli(subs: Path, out: Path, *extra: str) -> tuple[float, subprocess.CompletedProcess]:
    argv = [sys.executable, "-m", "grader.cli.batch", "batch", str(subs), "-a", ASSIGNMENT, "-o", str(out), *extra]
    seconds, proc = run_measured(argv)
    if proc.returncode not in (0, 2):
        raise SystemExit(f"batch failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds, proc


def _cpu(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def journal(out: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((out / "journal").glob("*.json"))]


def per_minute(n: int, seconds: float) -> float:
    return 60.0 * n / seconds if seconds else 0.0


def bench_copies(work: Path, students: int, results: dict, *, fresh: bool = False) -> Path:
    subs = work / "copies"
    if not subs.exists():
        build_class(subs, students)
    name = "copies-fresh" if fresh else "copies"
    out = work / f"{name}-out"
    seconds, proc = run_batch_cli(subs, out, *(["--no-warm"] if fresh else []))
    records = journal(out)
    graded = sum(1 for r in records if not r["timing"]["reused_from"])
    cpu = LAST_CPU[0]
    results[name] = {"students": students, "kinds": len(kinds()), "real_gradings": graded, "wall_s": seconds,
                     "cpu_s": cpu, "per_minute": per_minute(students, seconds), "load": _load()}
    workers = "a fresh sandboxed Python per worker (--no-warm)" if fresh else "warm workers"
    table = Table(title=f"{name}: {students} nyu-dl-hw1 submissions ({len(kinds())} kinds), default workers, "
                        f"--dedupe, {workers}")
    for column in ("students", "real gradings", "wall (s)", "CPU (s)", "submissions / min", "goal: 200 in < 120 s",
                   "idle 2 CPUs, at least"):
        table.add_column(column, justify="right")
    table.add_row(str(students), str(graded), f"{seconds:.1f}", _cpu(cpu), f"{per_minute(students, seconds):.1f}",
                  "met" if seconds < 120 * students / 200 else "NOT met", f"{cpu / 2:.0f} s" if cpu else "-")
    console.print(table)
    console.print(proc.stdout.splitlines()[0] if proc.stdout else "", highlight=False)
    return out


def bench_distinct(work: Path, n: int, jobs_list: list[str], results: dict) -> dict[str, Path]:
    subs = work / "distinct"
    build_class(subs, n, distinct=True)
    outs = {}
    table = Table(title=f"distinct: {n} unique nyu-dl-hw1 submissions (no copies to share a grading)")
    for column in ("workers", "wall (s)", "CPU (s)", "CPU / submission (s)", "submissions / min", "200 would take",
                   "median grade (s)", "median dispatch-to-commit (s)"):
        table.add_column(column, justify="right")
    results["distinct"] = {}
    for jobs in jobs_list:
        out = work / f"distinct-j{jobs}"
        workers, _, fresh = jobs.partition("-")
        extra = ([] if workers == "default" else ["-j", workers]) + (["--no-warm"] if fresh == "fresh" else [])
        seconds, proc = run_batch_cli(subs, out, *extra)
        records = journal(out)
        grade = [r["timing"]["grade_s"] for r in records]
        wall = [r["timing"]["wall_s"] for r in records]
        workers = next((line for line in proc.stdout.splitlines() if "workers" in line), "")
        rate = per_minute(n, seconds)
        cpu = LAST_CPU[0]
        results["distinct"][jobs] = {"n": n, "wall_s": seconds, "cpu_s": cpu, "per_minute": rate,
                                     "sum_grade_s": sum(grade),
                                     "sum_task_wall_s": sum(wall), "median_grade_s": statistics.median(grade),
                                     "median_task_wall_s": statistics.median(wall), "workers": workers.strip(),
                                     "load": _load()}
        table.add_row(jobs, f"{seconds:.1f}", _cpu(cpu), f"{cpu / n:.1f}" if cpu else "-", f"{rate:.1f}",
                      f"{200 / rate:.1f} min" if rate else "-",
                      f"{statistics.median(grade):.2f}", f"{statistics.median(wall):.2f}")
        outs[jobs] = out
    console.print(table)
    return outs


_DIRECT = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from grader.api import grade, load_assignment
from grader.sandbox import BwrapBackend
backend = BwrapBackend(forbidden_roots=(load_assignment("nyu-dl-hw1")[0].root,), warm=True)  # as the batch's
times = []
for sub in sorted(Path(sys.argv[1]).iterdir()):
    s = time.perf_counter(); grade(sub, assignment="nyu-dl-hw1", backend=backend); times.append(time.perf_counter() - s)
backend.close()
print(json.dumps({"total": time.perf_counter() - t0, "each": times}))
"""


def bench_overhead(work: Path, n: int, results: dict) -> None:
    run = results["distinct"].get("1")
    if run is None:
        console.print("[yellow]overhead needs the -j 1 distinct run (--jobs 1,...)[/]")
        return
    direct_wall, proc = run_measured([sys.executable, "-c", _DIRECT, str(work / "distinct")])
    direct_cpu = LAST_CPU[0]
    direct = json.loads(proc.stdout.strip().splitlines()[-1])
    records = journal(work / "distinct-j1")
    extra = [r["timing"]["wall_s"] - r["timing"]["grade_s"] for r in records]
    whole = (run["wall_s"] - run["sum_grade_s"]) / run["sum_grade_s"]
    cpu_ratio = run["cpu_s"] / direct_cpu - 1 if run.get("cpu_s") and direct_cpu else None
    results["overhead"] = {"per_task_extra_median_s": statistics.median(extra), "per_task_extra_max_s": max(extra),
                           "per_task_ratio_of_sums": sum(extra) / run["sum_grade_s"], "whole_batch_wall": whole,
                           "direct_loop_wall_s": direct_wall, "direct_loop_cpu_s": direct_cpu,
                           "batch_j1_wall_s": run["wall_s"], "batch_j1_cpu_s": run.get("cpu_s"),
                           "cpu_versus_direct_loop": cpu_ratio, "direct_each_s": direct["each"], "load": _load()}
    table = Table(title=f"overhead of the batch machinery, {n} distinct submissions, one worker")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("how", overflow="fold")
    table.add_row("per submission, seconds", f"{statistics.median(extra):.3f} (max {max(extra):.3f})",
                  "dispatch-to-commit minus the pipeline's own time (pipe, JSON, journal commit)")
    table.add_row("per submission, ratio", f"{sum(extra) / run['sum_grade_s']:+.2%}",
                  "sum of the above / sum of pipeline times")
    table.add_row("whole command, wall", f"{whole:+.1%}",
                  f"({run['wall_s']:.1f} s - {run['sum_grade_s']:.1f} s of pipelines) / pipelines: start, discovery, "
                  "hashing, reports, exports included")
    table.add_row("whole command vs grade() loop, CPU", "-" if cpu_ratio is None else f"{cpu_ratio:+.1%}",
                  f"grader batch -j 1: {_cpu(run.get('cpu_s'))} CPU-s; the same {n} graded by grade() in one "
                  f"process: {_cpu(direct_cpu)} CPU-s (CPU, not wall: other load does not count)")
    table.add_row("whole command vs grade() loop, wall", f"{run['wall_s'] / direct_wall - 1:+.1%}",
                  f"{run['wall_s']:.1f} s vs {direct_wall:.1f} s (wall: shifts with the machine's other load)")
    console.print(table)


def bench_ray(work: Path, n: int, results: dict) -> None:
    try:
        import ray  # noqa: F401
    except ImportError:
        console.print("[yellow]ray: not installed (pip install 'dl-grader[ray]'); skipped[/]")
        return
    subs = work / "distinct"
    if not subs.exists():
        build_class(subs, n, distinct=True)
    table = Table(title=f"Ray vs the local pool, {n} distinct submissions, 2 workers, this machine "
                        "(Ray tasks start fresh workers: compare with the local pool's --no-warm)")
    for column in ("executor", "wall (s)", "CPU (s)", "submissions / min", "median dispatch-to-commit (s)"):
        table.add_column(column, justify="right")
    results["ray"] = {}
    for executor in ("local", "local --no-warm", "ray"):
        out = work / f"ray-cmp-{executor.replace(' --', '-')}"
        name, *flags = executor.split()
        seconds, _ = run_batch_cli(subs, out, "-j", "2", "--executor", name, *flags)
        wall = [r["timing"]["wall_s"] for r in journal(out)]
        cpu = LAST_CPU[0]
        results["ray"][executor] = {"wall_s": seconds, "cpu_s": cpu, "per_minute": per_minute(n, seconds),
                                    "median_task_wall_s": statistics.median(wall), "load": _load()}
        table.add_row(executor, f"{seconds:.1f}", _cpu(cpu), f"{per_minute(n, seconds):.1f}",
                      f"{statistics.median(wall):.2f}")
    console.print(table)


def bench_kill(work: Path, students: int, whole: Path | None, results: dict) -> None:
    subs = work / "copies"
    if not subs.exists():
        build_class(subs, students)
    if whole is None:
        whole = work / "copies-out"
        run_batch_cli(subs, whole)
    out = work / "killed"
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    argv = [sys.executable, "-m", "grader.cli.batch", "batch", str(subs), "-a", ASSIGNMENT, "-o", str(out)]
    first, done = 0.0, 0
    while done == 0 or done == students:  # a kill after the last commit proves nothing: try again
        if out.exists():
            shutil.rmtree(out)
        target = rng.randint(1, int(students * 0.6))
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None and len(list((out / "journal").glob("*.json"))) < target:
            time.sleep(0.05)
        proc.kill()
        proc.wait()
        first = time.perf_counter() - start
        done = len(list((out / "journal").glob("*.json")))
    second, _ = run_batch_cli(subs, out)
    same = {name: (out / name).read_bytes() == (whole / name).read_bytes()
            for name in ("gradebook.csv", "canvas.csv", "gradescope.csv")}
    results["kill"] = {"seed": seed, "killed_after_records": done, "first_s": first, "resume_s": second,
                       "identical": same}
    table = Table(title=f"SIGKILL at a random point (seed {seed}) and resume, {students} submissions")
    for column in ("records at the kill", "killed run (s)", "resumed run (s)", "exports equal to uninterrupted"):
        table.add_column(column, justify="right")
    table.add_row(str(done), f"{first:.1f}", f"{second:.1f}",
                  ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in same.items()))
    console.print(table)


_CPU_CHILD = """
import json, resource, sys, time
from pathlib import Path
usage = Path(sys.argv[1]) / "cpuacct.usage"
def cg(): return int(usage.read_text()) / 1e9
def me():
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
t0 = cg()
from grader.api import grade, load_assignment
from grader.sandbox import BwrapBackend, Limits, run_command
imports = cg() - t0
rows = []
warm = BwrapBackend(forbidden_roots=(load_assignment("nyu-dl-hw1")[0].root,), warm=True)
for mode in ("fresh", "warm"):
    for label, sub in zip(sys.argv[3::2], sys.argv[4::2]):
        c, m, w = cg(), me(), time.perf_counter()
        result = grade(Path(sub), assignment="nyu-dl-hw1", backend=warm if mode == "warm" else None)
        rows.append({"mode": mode, "label": label, "wall": time.perf_counter() - w, "cpu": cg() - c,
                     "trusted": me() - m, "score": result.score})
warm.close()
starts = {}
for code in ("pass", "import torch"):
    c = cg()
    for _ in range(int(sys.argv[2])):
        run_command([sys.executable, "-s", "-c", code], workspace=Path(sys.argv[4]), limits=Limits(wall_s=120))
    starts[code] = (cg() - c) / int(sys.argv[2])
print(json.dumps({"imports": imports, "rows": rows, "starts": starts}))
"""


def bench_cpu(work: Path, results: dict) -> None:
    base = Path("/sys/fs/cgroup/cpuacct")
    if os.geteuid() != 0 or not (base / "cpuacct.usage").is_file():
        console.print("[yellow]cpu: needs root and a cgroup v1 cpuacct hierarchy; skipped[/]")
        return
    group = base / f"bench-batch-{os.getpid()}"
    group.mkdir()
    subs = work / "cpu"
    build_class(subs, 3, only_kinds=("reference", "template", "variant-relu_grad_leaky"))
    order = ["reference", "reference", "template", "variant-relu_grad_leaky"]
    paths = {"reference": subs / "s000", "template": subs / "s001.zip", "variant-relu_grad_leaky": subs / "s002.zip"}
    argv = [sys.executable, "-c", _CPU_CHILD, str(group), "3"]
    for label in order:
        argv += [label, str(paths[label])]
    try:
        proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=True,
                              preexec_fn=lambda: (group / "cgroup.procs").write_text(str(os.getpid())))
    finally:
        for child in sorted((p for p in group.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            child.rmdir()
        group.rmdir()
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    # the first fresh grading pays the trusted side's imports (torch, pytest) once; the first warm one
    # starts the warm sandbox (what a fresh worker costs)
    per = {mode: statistics.fmean(r["cpu"] for r in data["rows"] if r["mode"] == mode and r["label"] != "template"
                                  and r is not next(x for x in data["rows"] if x["mode"] == mode))
           for mode in ("fresh", "warm")}
    torch_start = data["starts"]["import torch"]
    results["cpu"] = {**data, "cpu_per_grading": per, "torch_start_cpu": torch_start, "load": _load()}
    table = Table(title="CPU-seconds per nyu-dl-hw1 grading (a cgroup of its own: other processes do not count)")
    for column in ("workers", "submission", "wall (s)", "CPU (s)", "trusted side (s)", "sandbox (s)", "score"):
        table.add_column(column, justify="right" if column not in ("workers", "submission") else "left")
    for r in data["rows"]:
        table.add_row(r["mode"], r["label"], f"{r['wall']:.1f}", f"{r['cpu']:.1f}", f"{r['trusted']:.1f}",
                      f"{r['cpu'] - r['trusted']:.1f}", f"{r['score']:g}")
    console.print(table)
    console.print(f"first grading in a fresh process also pays the trusted side's imports ({data['imports']:.1f} s "
                  f"CPU for grader.api); the first warm one starts the warm sandbox. In the sandbox: python -c pass "
                  f"{data['starts']['pass']:.2f} s CPU, python -c 'import torch' {torch_start:.2f} s CPU.",
                  highlight=False)
    console.print(f"=> CPU-s per graded submission: fresh workers {per['fresh']:.1f}, warm workers {per['warm']:.1f}; "
                  f"200 distinct on 2 idle CPUs >= {200 * per['fresh'] / 2:.0f} s fresh, "
                  f">= {200 * per['warm'] / 2:.0f} s warm. 200 in 120 s on 2 CPUs needs <= 1.2 CPU-s each.",
                  highlight=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--distinct", type=int, default=24, help="distinct submissions per throughput run")
    parser.add_argument("--jobs", default="1,2,default,default-fresh",
                        help="comma-separated; 'default' lets the batch choose; '-fresh': with --no-warm")
    parser.add_argument("--skip", default="",
                        help="comma-separated: cpu,copies,copies-fresh,distinct,direct,ray,kill")
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (its path is printed)")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    results: dict = {"cpus": os.cpu_count(), "load_at_start": _load()}
    from grader.api import load_assignment
    from grader.batch import default_jobs

    jobs, why = default_jobs(load_assignment(ASSIGNMENT)[1].limits)
    results["default_jobs"] = {"jobs": jobs, "why": why}
    console.print(f"{os.cpu_count()} CPUs; load average at start {_load()}; default workers here: {why}",
                  highlight=False)
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    copies_out = None
    if "cpu" not in skip:
        bench_cpu(work, results)
    if "copies" not in skip:
        copies_out = bench_copies(work, args.students, results)
    if "copies-fresh" not in skip:
        fresh_out = bench_copies(work, args.students, results, fresh=True)
        if copies_out is not None:
            same = (copies_out / "gradebook.csv").read_bytes() == (fresh_out / "gradebook.csv").read_bytes()
            results["copies-fresh"]["gradebook_equal_to_warm"] = same
            console.print(f"gradebook.csv of the warm and the fresh run: {'identical' if same else 'DIFFERENT'}")
    if "distinct" not in skip:
        bench_distinct(work, args.distinct, [j.strip() for j in args.jobs.split(",") if j.strip()], results)
        if "direct" not in skip:
            bench_overhead(work, args.distinct, results)
    if "ray" not in skip:
        bench_ray(work, args.distinct, results)
    if "kill" not in skip:
        bench_kill(work, args.students, copies_out, results)
    results["load_at_end"] = _load()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    console.print(f"load average at end {_load()}; work folder {work}{'' if args.keep else ' (removed)'}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
