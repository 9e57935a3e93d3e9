"""The trusted side has limits of its own: formula algebra, worker values and parse depth are bounded.

Each bound is shown both ways: the hostile input stops with a message in seconds, and an
ordinary input of the same kind still gets its answer.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from grader.checks import bounded, expressions
from grader.checks.answers import load_answers
from grader.checks.values import checked_array

BOMB = "(a+b+c+d+e+f)**12*(a-b+c-d+e-f)**12"


def _allocate(mb: int) -> int:
    """Run in the helper process: allocate ``mb`` MiB."""
    return len(bytearray(mb * 1024 * 1024))


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"


def test_a_formula_bomb_stops_at_the_time_bound_and_the_next_check_works(monkeypatch):
    monkeypatch.setattr(expressions, "_TIME_S", 3.0)
    start = time.monotonic()
    verdict = expressions.check_equivalent(BOMB, "a", list("abcdef"))
    assert time.monotonic() - start < 15
    assert not verdict.ok and "could not be checked" in verdict.message and "3 s" in verdict.message
    assert expressions.check_equivalent("(a+b)**2", "a**2 + 2*a*b + b**2", ["a", "b"]).ok


@pytest.mark.parametrize("formula, message", [
    ("((x+1)**12)**12", "degree is too large"),
    ("(x**12*x**12*x**12)**2", "degree is too large"),
    ("123456789012345678901234567890*x", "too large"),
])
def test_caps_before_any_algebra(formula, message):
    with pytest.raises(expressions.ExpressionError, match=message):
        expressions.parse_expression(formula, ["x"])
    verdict = expressions.check_equivalent(formula, "x", ["x"])
    assert not verdict.ok and message in verdict.message


def test_ordinary_formulas_pass_the_caps():
    assert expressions.check_equivalent("w**(5-1)*s2*s3*s4*s5", "s2*s3*s4*s5*w**4", ["w", "s2", "s3", "s4", "s5"]).ok
    assert expressions.number("log(4)/log(2)") == pytest.approx(2)
    assert np.allclose(expressions.evaluate("x**2", ["x"], {"x": np.arange(3)}), [0, 1, 4])


def test_the_helper_has_a_memory_bound_and_a_time_bound():
    assert bounded.run_bounded(_allocate, 16) == 16 * 1024 * 1024
    with pytest.raises(bounded.BoundExceeded) as exc:
        bounded.run_bounded(_allocate, 4096, memory_mb=256)
    assert exc.value.kind == "memory"
    with pytest.raises(bounded.BoundExceeded) as exc:
        bounded.run_bounded(_sleep, 30, timeout_s=1)
    assert exc.value.kind == "time"
    assert bounded.run_bounded(_sleep, 0, timeout_s=5) == "slept"


def test_a_big_or_oddly_shaped_value_is_refused_before_numpy_computes():
    fifty_mb = np.zeros((4, 1, 1800, 1800), dtype=np.float32)
    with pytest.raises(AssertionError, match=r"shape \(4, 1, 1800, 1800\).*at most 4096"):
        checked_array(fifty_mb, "filters", ndim=4, max_elements=4096)
    with pytest.raises(AssertionError, match="no side may exceed 16"):
        checked_array(np.zeros((1, 1, 1, 100)), "filters", ndim=4, max_side=16)
    with pytest.raises(AssertionError, match=r"shape \(9, 9\); expected 10 x 10"):
        checked_array([[0] * 9] * 9, "confusion", shape=(10, 10))
    with pytest.raises(AssertionError, match="array of numbers"):
        checked_array({"a": 1}, "confusion")
    good = checked_array(np.ones((4, 1, 3, 3)), "filters", ndim=4, max_side=16, max_elements=4096)
    assert good.shape == (4, 1, 3, 3)


def test_deeply_nested_answers_are_unreadable_input_with_a_message(tmp_path: Path):
    (tmp_path / "answers.yaml").write_text('"1": ' + "[" * 100_000 + "]" * 100_000 + "\n")
    answers = load_answers(tmp_path, "answers.yaml", ids=["1"])
    assert "nested more than" in answers.problem
    (tmp_path / "answers.yaml").write_text('"1": [[1, 2], {"a": [3]}]\n')
    assert load_answers(tmp_path, "answers.yaml", ids=["1"]).problem == ""


def test_deeply_nested_notebook_json_is_not_a_notebook(tmp_path: Path):
    from grader.notebooks.validate import NotebookInvalid, load_notebook

    (tmp_path / "deep.ipynb").write_text('{"cells": [], "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(NotebookInvalid, match="nested too deeply"):
        load_notebook(tmp_path / "deep.ipynb")


def test_the_grading_process_has_a_memory_cap_while_hidden_tests_run():
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    with bounded.memory_cap(256):
        with pytest.raises(MemoryError):
            bytearray(2 * 1024 * 1024 * 1024)
        assert len(bytearray(16 * 1024 * 1024)) == 16 * 1024 * 1024  # ordinary work goes on
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert len(bytearray(1024 * 1024 * 1024)) == 1024 * 1024 * 1024  # the cap ends with the block


def test_a_memory_error_in_a_hidden_test_fails_that_test_for_the_student(tmp_path):
    """Not a grader error: the submission made the trusted side ask for too much."""
    from grader.checks.pytest_plugin import _describe, _is_hidden_test_bug

    def caught(exc: BaseException) -> pytest.ExceptionInfo:
        try:
            raise exc
        except BaseException as raised:  # noqa: BLE001 - a traceback is what ExceptionInfo needs
            return pytest.ExceptionInfo.from_exception(raised)

    class Call:
        excinfo = caught(MemoryError())

    class Report:
        skipped = False

    assert not _is_hidden_test_bug(Call())  # type: ignore[arg-type]
    assert "more memory than the grader allows" in _describe(Call(), Report())  # type: ignore[arg-type]
    assert _is_hidden_test_bug(type("C", (), {"excinfo": caught(KeyError("x"))})())  # type: ignore[arg-type]


def test_the_helper_dies_with_the_grading_process(tmp_path):
    """A batch worker killed mid-check leaves no helper behind (PR_SET_PDEATHSIG, and the closed pipe)."""
    import os
    import signal
    import subprocess
    import sys

    script = ("import os, sys, time\n"
              "from grader.checks import bounded\n"
              "from tests.engine.test_trusted_bounds import _sleep\n"
              "bounded.run_bounded(_sleep, 0)\n"
              "print(bounded._helpers[next(iter(bounded._helpers))].process.pid, flush=True)\n"
              "bounded.run_bounded(_sleep, 60, timeout_s=120)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[2])
    helper = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{helper}").exists():
        try:
            if Path(f"/proc/{helper}/stat").read_text().split()[2] == "Z":
                break
        except OSError:
            break
        time.sleep(0.05)
    alive = Path(f"/proc/{helper}/stat").exists() and Path(f"/proc/{helper}/stat").read_text().split()[2] != "Z"
    assert not alive, "the helper outlived the grading process"
