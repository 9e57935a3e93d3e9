"""Fingerprinting in worker processes gives what fingerprinting here gives; a pool that breaks is not fatal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from grader.similarity import SimilarityOptions, run_similarity
from grader.similarity.api import _POOL_FROM

REPO = Path(__file__).resolve().parents[2]
STUDENTS = _POOL_FROM + 2


def _class(folder: Path) -> Path:
    for n in range(STUDENTS):
        own = "\n".join(f"    v{i} = torch.{['exp', 'sin', 'cos', 'tanh'][(n + i) % 4]}(t) * {i}" + " - t" * (n % 3 + i % 2)
                        for i in range(8))
        (folder / f"s{n:02d}").mkdir(parents=True)
        (folder / f"s{n:02d}" / "mlp.py").write_text(f"import torch\n\n\ndef own_{n}(t):\n{own}\n    return v7\n")
    return folder


def _scores(out: Path) -> list[tuple[str, str, float]]:
    return [(p["a"], p["b"], p["score"]) for p in json.loads((out / "similarity.json").read_text())["pairs"]]


def test_a_pool_of_two_finds_what_one_process_finds(tmp_path) -> None:
    subs = _class(tmp_path / "subs")
    pooled = run_similarity(subs, assignment="nyu-dl-hw1", out_dir=tmp_path / "two", root=REPO,
                            options=SimilarityOptions(jobs=2, common=0))
    run_similarity(subs, assignment="nyu-dl-hw1", out_dir=tmp_path / "one", root=REPO,
                   options=SimilarityOptions(jobs=1, common=0))
    assert pooled.pairs and _scores(tmp_path / "two") == _scores(tmp_path / "one")


def test_a_pool_that_cannot_start_falls_back_to_this_process(tmp_path) -> None:
    """Run from ``python -`` a spawned worker cannot re-import the main module; the run still completes."""
    subs = _class(tmp_path / "subs")
    script = ("from pathlib import Path\nfrom grader.similarity import SimilarityOptions, run_similarity\n"
              f"r = run_similarity(Path({str(subs)!r}), assignment='nyu-dl-hw1', out_dir=Path({str(tmp_path / 'x')!r}),"
              f" root=Path({str(REPO)!r}), options=SimilarityOptions(jobs=2, common=0))\n"
              "print('distinct', r.distinct, 'unreadable', len(r.unreadable))\n")
    done = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"distinct {STUDENTS} unreadable 0" in done.stdout
    assert "FileNotFoundError" in done.stderr, "the pool did start: this test no longer proves the fallback"
    run_similarity(subs, assignment="nyu-dl-hw1", out_dir=tmp_path / "y", root=REPO,
                   options=SimilarityOptions(jobs=1, common=0))
    assert _scores(tmp_path / "x") == _scores(tmp_path / "y")
