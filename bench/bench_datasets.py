"""Dataset benchmarks: import time, and load time of each dataset, cold and cached.

    python bench/bench_datasets.py [--import-from ../shared/data] [--runs 3] [--drop-page-cache]
                                   [--imdb-strategies]

Prints, from one run on this machine:

- with ``--import-from PATH``: the time of ``grader data import`` for each dataset, into a
  temporary data root (otherwise the datasets already in ``$GRADER_DATA`` are used);
- per loader, **cold**: the first call in a fresh Python process (``import grader.datasets``
  not counted, shown apart); with ``--drop-page-cache`` (root only) the kernel's page cache
  is dropped first, so the files come from disk; **cached**: the best of ``--runs`` further
  calls in that same process;
- with ``--imdb-strategies``: why IMDB is stored as JSONL. One split loaded three ways from
  the same reviews: the stored JSONL, streaming the ``.tar.gz`` at every load, and reading
  an extracted ``aclImdb/`` folder (the extraction time is printed too).

Speed targets live here, never in timed unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from grader.datasets import DatasetMissing, get_dataset, require
from grader.datasets.imdb import build_imdb_files, iter_aclimdb
from grader.datasets.registry import DATASETS
from grader.datasets.store import import_dataset

console = Console()
REPO = Path(__file__).resolve().parents[1]

#: label -> (dataset, Python call made in the child process)
LOADS = {
    "mnist train": ("mnist", "load_mnist('train')"),
    "mnist test": ("mnist", "load_mnist('test')"),
    "imdb train": ("imdb", "load_imdb('train')"),
    "imdb test": ("imdb", "load_imdb('test')"),
    "cameraman": ("cameraman", "load_cameraman()"),
    "boston": ("boston", "load_regression_table('boston')"),
    "diabetes": ("diabetes", "load_regression_table('diabetes')"),
}

_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from grader.datasets import load_cameraman, load_imdb, load_mnist, load_regression_table
t1 = time.perf_counter()
{call}
t2 = time.perf_counter()
cached = []
for _ in range({runs}):
    s = time.perf_counter(); {call}; cached.append(time.perf_counter() - s)
print(json.dumps({{"import": t1 - t0, "cold": t2 - t1, "cached": min(cached)}}))
"""


def _drop_page_cache() -> None:
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def import_times(source: Path, root: Path) -> None:
    table = Table(title=f"grader data import NAME {source}")
    for column in ("dataset", "seconds", "stored"):
        table.add_column(column, justify="left" if column == "dataset" else "right")
    for name in DATASETS:
        report = import_dataset(name, source, root=root)
        size = sum(s for _, s in report.files)
        table.add_row(name, f"{report.seconds:.2f}", f"{size / 1e6:.1f} MB")
    console.print(table)


def load_times(runs: int, drop: bool) -> None:
    title = f"Load time: cold = first call in a fresh process{' after dropping the page cache' if drop else ''}"
    table = Table(title=title + f"; cached = best of {runs} more calls")
    for column in ("load", "cold (s)", "cached (s)", "import grader.datasets (s)"):
        table.add_column(column, justify="left" if column == "load" else "right")
    for label, (name, call) in LOADS.items():
        if drop:
            _drop_page_cache()
        proc = subprocess.run([sys.executable, "-c", _CHILD.format(call=call, runs=runs)], cwd=REPO,
                              capture_output=True, text=True, check=True)
        t = json.loads(proc.stdout.strip().splitlines()[-1])
        table.add_row(label, f"{t['cold']:.3f}", f"{t['cached']:.3f}", f"{t['import']:.3f}")
    console.print(table)


def imdb_strategies(archive: Path, runs: int) -> None:
    """Load the train split from the stored JSONL, from the tar.gz, and from an extracted folder."""
    from grader.datasets import load_imdb

    def from_tar() -> int:
        return sum(1 for r in iter_aclimdb(archive) if r.split == "train")

    def from_folder(top: Path) -> int:
        n = 0
        for polarity in ("neg", "pos"):
            for entry in os.scandir(top / "aclImdb" / "train" / polarity):
                with open(entry.path, encoding="utf-8") as fh:
                    fh.read()
                n += 1
        return n

    def best(fn) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    table = Table(title=f"IMDB train split (25 000 reviews), best of {runs}, page cache warm")
    for column in ("strategy", "one-off cost (s)", "load (s)", "files on disk"):
        table.add_column(column, justify="left" if column == "strategy" else "right")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        build_imdb_files(archive, Path(tmp))
        build = time.perf_counter() - start
        table.add_row("stored JSONL (chosen)", f"{build:.1f} (build at import)",
                      f"{best(lambda: load_imdb('train')):.3f}", "3")
    table.add_row("stream the .tar.gz at each load", "0", f"{best(from_tar):.3f}", "1")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        with tarfile.open(archive) as tf:
            tf.extractall(tmp, filter="data")
        extract = time.perf_counter() - start
        table.add_row("extracted aclImdb/ folder", f"{extract:.1f} (extract at import)",
                      f"{best(lambda: from_folder(Path(tmp))):.3f}", "50 000+")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--import-from", type=Path, help="import every dataset from here into a temporary root first")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--drop-page-cache", action="store_true", help="root only: cold loads read from disk")
    parser.add_argument("--imdb-strategies", action="store_true", help="compare IMDB storage layouts (slow)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-grader-data-") as tmp:
        if args.import_from:
            os.environ["GRADER_DATA"] = tmp
            import_times(args.import_from.resolve(), Path(tmp))
        try:
            for name in DATASETS:
                require(name)
        except DatasetMissing as exc:
            console.print(f"error: {exc}\n(or run this benchmark with --import-from PATH)", markup=False)
            raise SystemExit(2) from None
        load_times(args.runs, args.drop_page_cache)
        if args.imdb_strategies:
            source = args.import_from or Path(os.environ.get("GRADER_SHARED_DATA", REPO.parent / "shared" / "data"))
            archive = next(source.rglob(get_dataset("imdb").archives[1].basename), None)
            if archive is None:
                console.print(f"no {get_dataset('imdb').archives[1].basename} under {source}: skipped the comparison")
            else:
                imdb_strategies(archive, args.runs)


if __name__ == "__main__":
    main()
