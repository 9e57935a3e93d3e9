"""Problem 1.2: the gated RNN's sizes and the gradient with respect to W_x (formulas in m, n)."""

from grader.checks.expressions import check_equivalent
from nyu_hw2_helpers import assert_equivalent, read_formulas

SIZES = ["m", "n"]


def _assert_sizes(answers, key, expected, what, example):
    formulas = read_formulas(answers, key, len(expected), example)
    for i, (text, want) in enumerate(zip(formulas, expected)):
        verdict = check_equivalent(text, want, SIZES)
        assert verdict.ok, f"{key} ({what}), dimension {i + 1} of {len(expected)}: {verdict.message}"


def test_gate_size(answers):
    _assert_sizes(answers, "1.2.2", ["m"], "the dimension of c[t]", '["n"]')


def test_wx_gradient_shape(answers):
    _assert_sizes(answers, "1.2.3.shape", ["m", "n"], "the dimension of d l / d W_x", '["n", "m"]')


def test_wx_gradient_entry(answers):
    assert_equivalent(answers, "1.2.3.entry", "d1*(1 - c1)*x1 + d2*(1 - c2)*x2",
                      ["d1", "d2", "c1", "c2", "x1", "x2"], "d l / d W_x[i, j] for K = 2")
