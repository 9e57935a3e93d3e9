"""Fixtures of the comp499-a1 hidden tests (trusted side).

``notebook_run``: what the first run of the student's notebook produced (cells, outputs,
images), recorded by the grader; ``notebook_cells``: the notebook's cells as the grader read
them from the submission (not from the sandbox, where the student's code could rewrite them).
"""

import pytest


@pytest.fixture
def notebook_run(student):
    executor = student.notebook_run
    if executor is None:
        pytest.fail("this assignment is graded from a notebook, and none was run", pytrace=False)
    return executor.result()


@pytest.fixture
def notebook_cells(student):
    executor = student.notebook_run
    if executor is None:
        pytest.fail("this assignment is graded from a notebook, and none was run", pytrace=False)
    return executor.plan.notebook.cells
