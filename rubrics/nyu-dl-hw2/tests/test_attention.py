"""Problem 1.3: AttentionRNN(2) and AttentionRNN(k): sizes, parameter counts, derivatives.

d h[t] / d h[t-1] (1.3.5, n = 1) is checked by value: the grader runs a one-dimensional
AttentionRNN(2) step on random inputs and weights, so every named quantity (a_i, w_i, q_i,
k_i, v_i, h) is consistent, and compares the student's formula with the derivative there.
"""

import numpy as np

from grader.checks.expressions import check_equivalent
from nyu_hw2_helpers import assert_equivalent, read_formula, read_formulas, values_of

STEP_SYMBOLS = ["x", "hp1", "hp2", "h", "a0", "a1", "a2", "w0", "w1", "w2", "q0", "q1", "q2",
                "k0", "k1", "k2", "v0", "v1", "v2", "Q0", "Q1", "Q2", "K0", "K1", "K2", "V0", "V1", "V2"]


def test_attention_size_rnn2(answers):
    key = "1.3.2"
    formulas = read_formulas(answers, key, 1, "[4]")
    verdict = check_equivalent(formulas[0], "3", ["n"])
    assert verdict.ok, (f"{key}: {formulas[0]!r} is not the dimension of a[t]: a[t] has one entry per "
                        "attended vector, whatever their length n is.")


def test_attention_size_rnnk(answers):
    assert_equivalent(answers, "1.3.3.attention_size", "k + 1", ["k", "n"], "the number of entries of a[t]")


def test_parameter_count_rnnk(answers):
    assert_equivalent(answers, "1.3.3.parameters", "3*(k + 1)*n**2", ["k", "n"],
                      "the number of parameters of AttentionRNN(k)")


def _one_step(rng, count=64):
    """Consistent values of every named quantity of one n = 1 AttentionRNN(2) step."""
    values = {name: rng.uniform(-1.5, 1.5, count) for name in ["x", "hp1", "hp2", "Q0", "Q1", "Q2",
                                                               "K0", "K1", "K2", "V0", "V1", "V2"]}
    inputs = [values["x"], values["hp1"], values["hp2"]]
    for i, vector in enumerate(inputs):
        values[f"q{i}"] = values[f"Q{i}"] * vector
        values[f"k{i}"] = values[f"K{i}"] * vector
        values[f"v{i}"] = values[f"V{i}"] * vector
        values[f"w{i}"] = values[f"q{i}"] * values[f"k{i}"]
    scores = np.stack([values["w0"], values["w1"], values["w2"]])
    weights = np.exp(scores - scores.max(axis=0))
    weights /= weights.sum(axis=0)
    for i in range(3):
        values[f"a{i}"] = weights[i]
    values["h"] = sum(values[f"a{i}"] * values[f"v{i}"] for i in range(3))
    return values


def test_state_jacobian_rnn2_scalar(answers, rng):
    key = "1.3.5.n1"
    text = read_formula(answers, key)
    v = _one_step(rng)
    expected = v["a1"] * (v["V1"] + (v["v1"] - v["h"]) * (v["Q1"] * v["k1"] + v["K1"] * v["q1"]))
    got = values_of(key, text, STEP_SYMBOLS, v)
    wrong = np.flatnonzero(~np.isclose(got, expected, rtol=1e-6, atol=1e-9))
    assert not wrong.size, (
        f"{key}: your formula gives a different d h[t] / d h[t-1] on {wrong.size} of {len(got)} random "
        f"AttentionRNN(2) steps (e.g. {got[wrong[0]]:.6g} at x={v['x'][wrong[0]]:.3g}, "
        f"hp1={v['hp1'][wrong[0]]:.3g}, hp2={v['hp2'][wrong[0]]:.3g}). Remember that the attention "
        "weights a[t] depend on h[t-1] too.")


def test_backprop_sum_limits(answers):
    assert_equivalent(answers, "1.3.6.first", "T + 1", ["T", "k"], "the first t in the sum")
    assert_equivalent(answers, "1.3.6.last", "T + k", ["T", "k"],
                      "the last t in the sum: which later states does h[T] feed directly?")
