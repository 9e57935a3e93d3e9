"""Hidden tests of the red-team integrity assignment. SECRET-MARKER-7f3a: a hostile submission must never read this."""

import numpy as np

from grader.checks.expressions import check_equivalent
from grader.checks.values import checked_array


def test_formula(answers):
    verdict = check_equivalent(str(answers.require("1")), "2*x + 2*y", ["x", "y"])
    assert verdict.ok, f"1: {verdict.message}"


def test_add(student):
    got = student.calc.add(2, 3)
    assert got == 5, f"add(2, 3) should be 5, got {got!r}"


def test_filters(student, attach):
    filters = checked_array(student.calc.filters(), "filters()", shape=(4, 3, 3), max_elements=4096)
    for k, one in enumerate(filters):
        attach.image(np.kron(one, np.ones((24, 24))), f"filter {k + 1}")
    assert np.all(np.isfinite(filters)), "filters() holds values that are not finite"
