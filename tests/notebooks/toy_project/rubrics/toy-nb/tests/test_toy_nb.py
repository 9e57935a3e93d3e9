"""Hidden tests of the toy notebook assignment. SECRET-MARKER-4f1c: a notebook that finds this text has
read the hidden tests (tests/notebooks checks that none can)."""

import pytest


@pytest.mark.parametrize("x", [2, -3])
def test_square(student, x):
    assert student.square(x) == x * x, f"square({x}) should be {x * x}"


def test_cube(student):
    assert student.cube(3) == 27, "cube(3) should be 27"


def test_total(student):
    assert student.notebook.TOTAL == 42, "TOTAL should be 42"


def test_figure(student):
    run = student._session.notebook.result()
    assert run.images(), "the notebook should show a figure"
