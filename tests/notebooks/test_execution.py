"""Notebook submissions graded end to end in the real sandbox (the toy notebook assignment).

Each case is a notebook that misbehaves in one way; the grader must still grade what does not
depend on the misbehaving cell, and say which cell it was.
"""

from __future__ import annotations

import pytest

from grader.results.models import Outcome
from tests.notebooks.conftest import GOOD_CELLS, item

pytestmark = pytest.mark.slow


def test_good_notebook_earns_everything(grade_notebook):
    result = grade_notebook(GOOD_CELLS)
    assert result.outcome is Outcome.GRADED, result.reason
    assert result.score == 6, [(i.id, i.messages) for i in result.items]
    assert not result.warnings


def test_a_raising_cell_and_a_sleeping_cell_cost_only_what_needs_them(grade_notebook):
    """Cell 3 sleeps forever: it is stopped at the cell timeout, with its index in the message, and
    the run goes on. Cell 7 raises before it defines cube: cube's item is lost, with the cell named;
    square, TOTAL and the figure come from other cells and earn their points."""
    cells = GOOD_CELLS[:3] + ["import time\nwhile True:\n    time.sleep(1)", GOOD_CELLS[3], "x = 1", "y = 2",
                              "def helper():\n    return 1 / 0\nhelper()\ndef cube(x):\n    return x ** 3"]
    result = grade_notebook(cells)
    assert result.outcome is Outcome.GRADED, result.reason
    assert (item(result, "A").points, item(result, "B").points, item(result, "C").points) == (2, 0, 2)
    assert any("cell 3 did not finish within 6 s" in w for w in result.warnings), result.warnings
    assert any("cell 7 raised ZeroDivisionError" in w for w in result.warnings), result.warnings
    message = " ".join(item(result, "B").messages)
    assert "defines no 'cube'" in message and "3, 7" in message, message
    cells_run = {c.index: c for c in result.notebook.cells}
    assert cells_run[3].status == "timeout" and cells_run[7].status == "error" and cells_run[4].status == "ok"
    assert "ZeroDivisionError" in cells_run[7].outputs[-1]["traceback"][-1]


def test_a_cell_that_swallows_the_timeout_is_killed_and_skipped(grade_notebook):
    """The worker's timer cannot stop it (it catches everything): the trusted side's deadline kills
    the worker, a new one runs the cells before it again, skips it, and goes on."""
    stubborn = "import time\nwhile True:\n    try:\n        time.sleep(100)\n    except BaseException:\n        pass"
    result = grade_notebook(GOOD_CELLS[:3] + [stubborn] + GOOD_CELLS[3:])
    assert result.outcome is Outcome.GRADED, result.reason
    assert result.score == 6, [(i.id, i.messages) for i in result.items]
    assert any("cell 3 stopped the worker" in w and "running notebook cell 3" in w for w in result.warnings), \
        result.warnings


def test_a_notebook_that_is_not_json_is_not_gradable(grade_notebook):
    result = grade_notebook("def square(x):\n    return x * x\n")
    assert result.outcome is Outcome.NOT_GRADABLE
    assert "not valid JSON" in result.reason and "Jupyter" in result.reason


def test_the_hidden_tests_cannot_be_read_or_patched_from_the_kernel(grade_notebook):
    """The notebook searches every readable file for a marker written in the hidden tests, looks for
    them in sys.modules and on the path, and 'patches' assertions: nothing is found, and its wrong
    square still loses its points (the tests run on the trusted side)."""
    snoop = '''
import os, sys, builtins
def square(x):
    return 0
found = []
marker = b"SECRET-MARKER-" + b"4f1c"  # spelled in two halves: the notebook itself must not match
skip = ("/proc", "/sys", "/dev", "/usr", "/root/.pyenv")
for top in ("/", ):
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in skip and d != "site-packages"]
        for name in files:
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as f:
                    if marker in f.read(1 << 20):
                        found.append(path)
            except OSError:
                pass
found += [m for m in sys.modules if "test_toy_nb" in m or m.startswith("grader.")]
try:
    import test_toy_nb
    found.append("imported test_toy_nb")
except ImportError:
    pass
builtins.AssertionError = type("NoAssert", (Exception,), {})
print("FOUND:", found)
'''
    result = grade_notebook(GOOD_CELLS + [snoop])
    assert result.outcome is Outcome.GRADED, result.reason
    assert item(result, "A").points == 0
    assert result.notebook is not None
    printed = "".join(o.get("text", "") for c in result.notebook.cells for o in c.outputs)
    assert "FOUND: []" in printed, printed[-2000:]
