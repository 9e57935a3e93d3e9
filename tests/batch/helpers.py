"""Builders for the batch tests: toy classes, a fast stand-in grade function, process checks.

``fake_grade`` is a worker function (``BatchOptions(function="tests.batch.helpers:fake_grade")``)
that runs the real pipeline without the hidden-tests stage (no sandbox, well under a second)
and then sleeps ``FAKE_SLEEP_S``: the journal, resume, kill and Ctrl-C tests exercise the batch
machinery at a controlled pace. A submission whose ``calc.py`` contains ``BOOM`` gets the answer
``grade_task`` gives when the grader fails outside the pipeline; ``DIE`` makes its process exit, once per marker file
in ``$FAKE_GRADE_STATE`` when ``DIE-ONCE``, always otherwise.
"""

from __future__ import annotations

import csv
import io
import os
import time
from pathlib import Path

from tests.engine.conftest import TOY_ROOT

FAKE_FUNCTION = "tests.batch.helpers:fake_grade"
#: student-made text that must come out escaped wherever a page shows it
HOSTILE_NAME = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'
FAKE_SLEEP_S = float(os.environ.get("FAKE_GRADE_SLEEP", "0.4"))

GOOD = "def add(a, b):\n    return a + b\n\n\ndef scale(t, k):\n    return t * k\n"
WRONG_ADD = "def add(a, b):\n    return a - b\n\n\ndef scale(t, k):\n    return t * k\n"
WRONG_SCALE = "def add(a, b):\n    return a + b\n\n\ndef scale(t, k):\n    return t + k\n"
USES_NUMPY = "import numpy\n\n\n" + GOOD
#: kind -> (calc.py, total the toy rubric gives it; the manual item 1.4 awaits a TA)
TOY_KINDS = {
    "good": (GOOD, 5.0),
    "wrong_add": (WRONG_ADD, 2.0),
    "wrong_scale": (WRONG_SCALE, 3.0),
    "numpy": (USES_NUMPY, 4.0),
}


def toy_class(dest: Path, students: int, *, distinct: bool = True, answers: bool = True) -> dict[str, float]:
    """``students`` toy submissions (folders ``t00``, ``t01``, ...); returns student -> expected total."""
    dest.mkdir(parents=True, exist_ok=True)
    expected = {}
    names = list(TOY_KINDS)
    for n in range(students):
        kind = names[n % len(names)]
        source, total = TOY_KINDS[kind]
        student = f"t{n:02d}"
        folder = dest / student
        folder.mkdir()
        (folder / "calc.py").write_text(source + (f"\n# {student}\n" if distinct else ""))
        if answers:
            (folder / "answers.md").write_text(f"1.4: padding keeps the border, says {student}.\n")
        expected[student] = total
    return expected


def trusted_side_threads(task: dict) -> dict:
    """A pool worker's answer with the thread counts its own libraries were given."""
    import torch

    return {"key": task["key"], "torch_threads": torch.get_num_threads(),
            "env": {name: os.environ.get(name) for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}}


def fake_grade(task: dict) -> dict:
    import grader.pipeline as pipeline
    from grader.batch.work import grade_task

    path = Path(task["submission"]) if isinstance(task["submission"], str) else None
    source = (path / "calc.py").read_text() if path is not None and (path / "calc.py").is_file() else ""
    if "DIE" in source:
        state = Path(os.environ["FAKE_GRADE_STATE"]) / f"died-{task['key']}"
        if "DIE-ONCE" not in source or not state.exists():
            state.touch()
            os._exit(7)
    if "BOOM" in source:  # what grade_task answers when the grader fails outside the pipeline
        return {"key": task["key"], "error": "Traceback ...\nRuntimeError: BOOM: a grader bug", "worker_s": 0.0,
                "host": "test"}
    original = pipeline.DEFAULT_STAGES
    pipeline.DEFAULT_STAGES = tuple(s for s in original if s is not pipeline.hidden_tests)
    try:
        answer = grade_task(task)
    finally:
        pipeline.DEFAULT_STAGES = original
    if "result" in answer:
        answer["result"] = _vary(answer["result"])
    time.sleep(FAKE_SLEEP_S)
    return answer


def _vary(result_json: str) -> str:
    """Points on item 1.1 that depend on the submission's bytes (0, 1 or 2), so gradebooks differ by student."""
    from grader.results.models import ItemStatus, SubmissionResult

    result = SubmissionResult.model_validate_json(result_json)
    if not result.sha256:
        return result_json
    points = float(int(result.sha256[:4], 16) % 3)
    status = ItemStatus.PASSED if points == 2 else ItemStatus.PARTIAL if points else ItemStatus.FAILED
    items = tuple(i.model_copy(update={"points": points, "status": status, "messages": ("fake",)})
                  if i.id == "1.1" else i for i in result.items)
    return result.model_copy(update={"items": items}).model_dump_json()


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))
    return {row["student"]: row for row in rows}


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (children, grandchildren, ...), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def alive(pids: set[int]) -> set[int]:
    """The pids of ``pids`` that still run (zombies count as gone)."""
    out = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.add(pid)
    return out


def describe(pids: set[int]) -> str:
    """Each pid's command line, for a failure message that says which processes survived."""
    lines = []
    for pid in sorted(pids):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            cmdline = "(gone)"
        lines.append(f"{pid}: {cmdline[:200]}")
    return "\n".join(lines)


def wait_gone(pids: set[int], timeout: float = 30.0) -> set[int]:
    deadline = time.monotonic() + timeout
    left = alive(pids)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = alive(left)
    return left


__all__ = ["TOY_ROOT", "FAKE_FUNCTION", "HOSTILE_NAME", "toy_class", "fake_grade", "gradebook", "descendants", "alive", "describe", "wait_gone"]
