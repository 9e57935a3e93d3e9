"""Grading the same submission again gives the same scores: the grader seeds the worker for each test.

The submission draws from ``random`` and numpy (and, in the second test, from torch
imported lazily in the middle of a call); each of the rubric's dice tests passes or not
by its seed alone, so any unseeded draw shows as a changed score.
"""

from __future__ import annotations

from pathlib import Path

from grader.checks.session import preload_for, worker_seed
from grader.checks.pytest_plugin import seed_for
from tests.redteam.harness import grade_submission

RANDOM_CALC = '''import os
import random

import numpy as np


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def work(n):
    return sum(range(n))


def roll():
    return (random.random() + float(np.random.random())) / 2


def make_plot():
    os.makedirs("results", exist_ok=True)
    with open("results/plot.txt", "w") as f:
        f.write("plot-ok")
'''

LAZY_TORCH_CALC = RANDOM_CALC.replace(
    "    return (random.random() + float(np.random.random())) / 2",
    "    torch = importlib.import_module('torch')  # mid-call, unseen by the preload scan: seeded on import\n"
    "    return float(torch.rand(1))",
).replace("import os\n", "import importlib\nimport os\n", 1)


def _scores(folder: Path, runs: int, **limits: float) -> list[tuple[float, ...]]:
    results = [grade_submission(folder, assignment="redteam", backend="bwrap", limits=limits) for _ in range(runs)]
    return [tuple(item.points for item in result.items) for result in results]


def _submission(tmp_path: Path, source: str) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "calc.py").write_text(source)
    return folder


def test_twenty_gradings_give_the_same_scores(tmp_path):
    scores = _scores(_submission(tmp_path, RANDOM_CALC), 20)
    assert len(set(scores)) == 1, scores
    dice = scores[0][4]
    assert 0 < dice < 2, "the dice item should be partly passed, or the test shows nothing"


def test_torch_imported_lazily_is_seeded_too(tmp_path):
    folder = _submission(tmp_path, LAZY_TORCH_CALC)
    assert "torch" not in preload_for(folder), "this test is about a lazy import"
    scores = _scores(folder, 3, call_s=60)
    assert len(set(scores)) == 1, scores
    assert scores[0][0] == 2, "the submission works"


def test_the_worker_seed_is_not_the_test_seed():
    seed = seed_for(11, "test_redteam.py::test_roll[0]")
    assert worker_seed(seed) != seed
    assert worker_seed(seed) == worker_seed(seed)
