"""What the sandbox's hardening costs: start and ``import torch``, hardened vs bare.

    python bench/bench_sandbox.py [--runs 7] [--skip-torch]

Prints, from one run on this machine (medians of ``--runs``, the variants interleaved
so that a busy machine slows them all alike):

- **start**: ``python -c pass`` as a bare process, in each backend without the
  hardening ("plain": no seccomp filter, no cgroup, no tmpfs workspace) and with it
  ("hardened"); the ratios hardened / bare and hardened / plain;
- **import torch**: ``python -c "import torch"`` the same ways; goal: hardened / bare
  <= 1.10 (the sandbox must not make a homework slower to start);
- **worker**: a grading worker from spawn to its first answer, without and with
  ``--preload torch``;
- **pieces**: compiling the seccomp filter, creating and removing a cgroup, mounting
  and removing a tmpfs workspace.

Speed targets live here, never in timed unit tests.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

from rich.console import Console
from rich.table import Table

from grader.sandbox import Limits, SandboxSpec, WorkerWorkspace, cgroups, choose_backend, run_command, seccomp, spawn
from grader.sandbox.cgroups import CgroupSupport, WorkerCgroup
from grader.worker.protocol import decode_message, encode_message

console = Console()
GOAL_IMPORT_TORCH = 1.10


@contextlib.contextmanager
def _no_cgroup() -> Iterator[None]:
    """Run the sandbox as if the host gave no cgroup (the unhardened variant)."""
    from grader.sandbox import process

    real = process.cgroups.detect
    process.cgroups.detect = lambda: CgroupSupport("none", {}, "switched off for the benchmark")  # type: ignore
    try:
        yield
    finally:
        process.cgroups.detect = real  # type: ignore[assignment]


def _backend(name: str, hardened: bool):  # type: ignore[no-untyped-def]
    backend = choose_backend(name)
    backend.use_seccomp = hardened  # type: ignore[attr-defined]
    return backend


def _timer(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _medians(variants: dict[str, Callable[[], None]], runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for name, fn in variants.items():  # warm caches once
        fn()
    for _ in range(runs):
        for name, fn in variants.items():
            samples[name].append(_timer(fn))
    return {name: statistics.median(values) for name, values in samples.items()}


def process_starts(runs: int, skip_torch: bool) -> None:
    limits = Limits(wall_s=300, memory_mb=8192)
    codes = [("-c pass", "pass")]
    if not skip_torch:
        codes.append(("-c 'import torch'", "import torch"))
    table = Table(title=f"Process start, median of {runs} runs (s); ratios to bare")
    for column in ("command", "bare", "backend", "plain", "hardened", "hard/bare", "hard/plain"):
        table.add_column(column, justify="left" if column in ("command", "backend") else "right")
    verdicts = []
    for label, code in codes:
        argv = [sys.executable, "-s", "-c", code]
        with tempfile.TemporaryDirectory() as scratch:
            source = Path(scratch) / "source"
            source.mkdir()
            (source / "calc.py").write_text("x = 1\n")

            def bare() -> None:
                subprocess.run(argv, check=True)

            def confined(name: str, hardened: bool) -> Callable[[], None]:
                backend = _backend(name, hardened)

                def run() -> None:
                    root = Path(tempfile.mkdtemp(dir=scratch))
                    root.rmdir()
                    if hardened:
                        ws = WorkerWorkspace.create(source, root, limits)
                        result = run_command(argv, workspace=ws.path, limits=limits, backend=backend)
                        ws.remove()
                    else:
                        root.mkdir()
                        with _no_cgroup():
                            result = run_command(argv, workspace=root, limits=limits, backend=backend)
                    assert result.returncode == 0, result.output

                return run

            variants = {"bare": bare}
            for name in ("bwrap", "rlimit"):
                variants[f"{name} unhardened"] = confined(name, False)
                variants[f"{name} hardened"] = confined(name, True)
            got = _medians(variants, runs)
        for name in ("bwrap", "rlimit"):
            un, hard = got[f"{name} unhardened"], got[f"{name} hardened"]
            table.add_row(label, f"{got['bare']:.3f}", name, f"{un:.3f}", f"{hard:.3f}",
                          f"{hard / got['bare']:.2f}", f"{hard / un:.2f}")
            if code == "import torch":
                ok = hard / got["bare"] <= GOAL_IMPORT_TORCH
                verdicts.append(f"import torch in {name}: {hard / got['bare']:.2f} x bare "
                                f"({'meets' if ok else 'misses'} the {GOAL_IMPORT_TORCH:.2f} goal)")
    console.print(table)
    for verdict in verdicts:
        console.print(verdict)


def worker_starts(runs: int, skip_torch: bool) -> None:
    table = Table(title=f"Grading worker: spawn to first answer, median of {runs} runs (s)")
    for column in ("backend", "no preload", "--preload torch"):
        table.add_column(column, justify="left" if column == "backend" else "right")
    limits = Limits(wall_s=300, memory_mb=8192)
    for name in ("bwrap", "rlimit"):
        backend = choose_backend(name)
        row = [name]
        for preload in ((), ("torch",)):
            if preload and skip_torch:
                row.append("-")
                continue
            with tempfile.TemporaryDirectory() as scratch:
                source = Path(scratch) / "source"
                source.mkdir()
                (source / "calc.py").write_text("x = 1\n")

                def start() -> None:
                    root = Path(tempfile.mkdtemp(dir=scratch))
                    root.rmdir()
                    ws = WorkerWorkspace.create(source, root, limits)
                    spec = SandboxSpec(workspace=ws.path, limits=limits, home=ws.home, disk_capped=ws.mounted,
                                       preload=preload)
                    worker = spawn(backend, spec)
                    try:
                        worker.send(encode_message({"type": "ping", "id": 1}), time.monotonic() + 120)
                        reply = decode_message(worker.receive(time.monotonic() + 120))
                        assert reply["value"] == "pong", reply
                    finally:
                        worker.close()
                        ws.remove()

                row.append(f"{_medians({'w': start}, runs)['w']:.3f}")
        table.add_row(*row)
    console.print(table)


def pieces(runs: int) -> None:
    table = Table(title=f"Hardening pieces, median of {runs} runs (ms)")
    table.add_column("piece")
    table.add_column("ms", justify="right")
    support = cgroups.detect()

    def compile_filter() -> None:
        seccomp.compile_filter(seccomp.native_arch() or "x86_64", allow_inet=True)

    rows = {"compile the seccomp filter": compile_filter}
    if support.version != "none":
        def cgroup() -> None:
            group = WorkerCgroup(support, Limits())
            group.kill_all()
            group.remove()

        rows[f"create + remove a cgroup ({support.version})"] = cgroup
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "source"
        source.mkdir()
        (source / "calc.py").write_text("x = 1\n")

        def workspace() -> None:
            root = Path(tempfile.mkdtemp(dir=scratch))
            root.rmdir()
            ws = WorkerWorkspace.create(source, root, Limits())
            ws.remove()

        rows["workspace copy (tmpfs where allowed) + removal"] = workspace
        for label, ms in _medians(rows, runs).items():
            table.add_row(label, f"{ms * 1000:.1f}")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-torch", action="store_true", help="leave out the import torch rows (fast)")
    args = parser.parse_args()
    console.print(f"host: {cgroups.detect().describe()}; seccomp: {seccomp.unavailable_reason() or 'on'}")
    process_starts(args.runs, args.skip_torch)
    worker_starts(args.runs, args.skip_torch)
    pieces(max(args.runs, 20))


if __name__ == "__main__":
    main()
