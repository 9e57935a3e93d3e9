"""Per-submission start overhead of each sandbox backend: docker vs bwrap vs rlimit vs bare.

    python bench/bench_backends.py [--runs 7] [--torch] [--image dl-grader:latest]

What a submission pays before its first hidden test can run: a fresh workspace copy,
a worker started in the backend, and its first answer (``ping``), then its removal.
Measured in one run, the variants interleaved (a busy machine slows them all alike),
medians of ``--runs``, with the ratio of each to ``bare``:

- **bare**: the worker as a plain child process, no sandbox at all (the floor);
- **rlimit**, **bwrap**: the backends as ``choose_backend`` gives them here;
- **docker**: a container per worker, the host's Python bound read-only (host mode);
- **docker image**: with ``--image``, the worker runs in that image's Python instead.

``--torch`` adds the same with ``--preload torch`` (what a torch homework pays).
``spawn→pong`` is the start; ``+ close`` adds killing the worker and removing its
workspace (docker removes the container in a background thread, not counted).

Speed targets live here, never in timed unit tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.table import Table

from grader.sandbox import Limits, SandboxSpec, WorkerWorkspace, backend_problem, choose_backend, spawn
from grader.sandbox.base import WORKER_PACKAGE_DIR, Backend, Launch, base_env
from grader.sandbox.docker import DockerBackend
from grader.worker.protocol import decode_message, encode_message

console = Console()


class BareBackend(Backend):
    """No sandbox: the worker as a plain child process with the grader's uid (the floor to compare with)."""

    name = "bare"

    def __init__(self) -> None:
        self._path = Path(tempfile.mkdtemp(prefix="bench-bare-"))
        (self._path / "graderworker").symlink_to(WORKER_PACKAGE_DIR, target_is_directory=True)

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return None

    def launch_command(self, spec: SandboxSpec, argv: list[str]) -> Launch:
        home = str(spec.home or spec.workspace)
        return Launch(argv=argv, env=base_env(spec.limits, home=home, pythonpath=str(self._path)),
                      cwd=spec.workspace, rlimits={})

    def warnings(self) -> tuple[str, ...]:
        return ("no sandbox",)


def _one_submission(backend: Backend, source: Path, scratch: Path, limits: Limits,
                    preload: tuple[str, ...]) -> tuple[float, float]:
    """(seconds to the first answer, seconds including close and cleanup) for one fresh worker."""
    start = time.perf_counter()
    root = Path(tempfile.mkdtemp(dir=scratch))
    root.rmdir()
    ws = WorkerWorkspace.create(source, root, limits)
    spec = SandboxSpec(workspace=ws.path, limits=limits, home=ws.home, disk_capped=ws.mounted, preload=preload)
    worker = spawn(backend, spec)
    try:
        worker.send(encode_message({"type": "ping", "id": 1}), time.monotonic() + 120)
        reply = decode_message(worker.receive(time.monotonic() + 120))
        assert reply["value"] == "pong", reply
        ready = time.perf_counter() - start
    finally:
        worker.close()
        ws.remove()
    return ready, time.perf_counter() - start


def _backends(image: str | None) -> dict[str, Callable[[], Backend]]:
    found: dict[str, Callable[[], Backend]] = {"bare": BareBackend}
    for name in ("rlimit", "bwrap", "docker"):
        problem = backend_problem(name)
        if problem:
            console.print(f"[yellow]{name} left out[/]: {problem}")
            continue
        found[name] = lambda name=name: choose_backend(name)
    if image and "docker" in found:
        found["docker image"] = lambda: DockerBackend(image=image)
    return found


def measure(runs: int, preload: tuple[str, ...], image: str | None) -> dict[str, tuple[float, float]]:
    limits = Limits(wall_s=300, memory_mb=8192)
    backends = {name: make() for name, make in _backends(image).items()}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in backends}
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        source = scratch / "source"
        source.mkdir()
        (source / "calc.py").write_text("def add(a, b):\n    return a + b\n")
        for backend in backends.values():  # warm caches (page cache, images, the docker client) once
            _one_submission(backend, source, scratch, limits, preload)
        for _ in range(runs):
            for name, backend in backends.items():
                samples[name].append(_one_submission(backend, source, scratch, limits, preload))
    return {name: (statistics.median(s[0] for s in got), statistics.median(s[1] for s in got))
            for name, got in samples.items()}


def report(title: str, got: dict[str, tuple[float, float]]) -> None:
    table = Table(title=title)
    for column in ("backend", "spawn→pong s", "× bare", "+ close s", "× bare"):
        table.add_column(column, justify="left" if column == "backend" else "right")
    bare_ready, bare_total = got["bare"]
    for name, (ready, total) in got.items():
        table.add_row(name, f"{ready:.3f}", f"{ready / bare_ready:.2f}", f"{total:.3f}", f"{total / bare_total:.2f}")
    console.print(table)
    for name in ("docker", "docker image"):
        if name in got and "bwrap" in got:
            console.print(f"{name} / bwrap: {got[name][0] / got['bwrap'][0]:.2f} × at start, "
                          f"{got[name][1] / got['bwrap'][1]:.2f} × with close")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--torch", action="store_true", help="also measure with --preload torch")
    parser.add_argument("--image", default=os.environ.get("GRADER_DOCKER_IMAGE"),
                        help="also measure the docker backend in this image (e.g. dl-grader:latest)")
    args = parser.parse_args()
    console.print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    report(f"Per-submission worker start, no preload, median of {args.runs} (s)", measure(args.runs, (), args.image))
    if args.torch:
        report(f"Per-submission worker start, --preload torch, median of {args.runs} (s)",
               measure(args.runs, ("torch",), args.image))
    console.print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
