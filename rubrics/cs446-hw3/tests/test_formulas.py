"""2.2-2.4 and 3.3: formulas checked by what they compute.

2.2-2.4 are compared with the expected formula symbolically (sympy, after the safe parser;
never ``sympify``), and at random points where algebra cannot decide. 3.3's query is run:
with random orthonormal keys and random values, the attention output ``c`` must be within
``C_TOL`` of ``(v1 + v2)/2``.
"""

import numpy as np
from cs446_helpers import fail

from grader.checks.expressions import (
    ExpressionError,
    check_equivalent,
    evaluate,
    parse_expression,
)

RNN = ("w", "x1", "x2", "x3")
#: the expected forward pass of h_t = w (x_t + h_{t-1}), h_0 = 0
FORWARD = {
    "h0": "0", "y1": "x1", "h1": "w*x1", "y2": "w*x1 + x2", "h2": "w**2*x1 + w*x2",
    "y3": "w**2*x1 + w*x2 + x3", "h3": "w**3*x1 + w**2*x2 + w*x3",
}
DERIVATIVE = "3*w**2*x1 + 2*w*x2 + x3"
#: 2.4 at T = 3 and T = 5: s_t stands for sigma'(x_t + h_{t-1})
SIGMA = ("w", "s1", "s2", "s3", "s4", "s5")
DH_DH1 = {"T3": "w**2*s2*s3", "T5": "w**4*s2*s3*s4*s5"}
#: 3.3: the keys the query may use, the dimension, and the tolerance on c
KEYS = tuple(f"k{i}" for i in range(1, 7))
DIM = 8
#: |c - (v1 + v2)/2| at most this fraction of the largest |v_i| (the key's "q = a(k1 + k2), a large")
C_TOL = 0.01
#: "q = k1 + k2" (a = 1) earns the half point the note leaves: alpha_1 = alpha_2, the largest weights
EQUAL_TOL = 1e-6


def _formula(answer, key, name=None):
    value = answer if name is None else (answer.get(name) if isinstance(answer, dict) else None)
    where = key if name is None else f"{key} {name}"
    if value is None or (isinstance(value, str) and not value.strip()):
        fail(f"{where}: no formula given (write it as a string, e.g. \"w*x1\")")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        fail(f"{where}: write the formula as a string, found {type(value).__name__}")
    return str(value)


def test_2_2_forward_pass(answers):
    answer = answers.require("2.2")
    if not isinstance(answer, dict):
        fail("2.2: write a mapping h0, y1, h1, y2, h2, y3, h3 -> formula in w, x1, x2, x3")
    wrong = []
    for name, expected in FORWARD.items():
        verdict = check_equivalent(_formula(answer, "2.2", name), expected, RNN)
        if not verdict.ok:
            wrong.append(f"{name}: {verdict.message}")
    if wrong:
        fail("2.2: " + "; ".join(wrong))


def test_2_3_derivative_value(answers):
    answer = answers.require("2.3")
    text = _formula(answer, "2.3", "dh3_dw") if isinstance(answer, dict) else _formula(answer, "2.3")
    verdict = check_equivalent(text, DERIVATIVE, RNN)
    if not verdict.ok:
        fail(f"2.3 dh3/dw: {verdict.message}")


def test_2_4_value(answers):
    answer = answers.require("2.4")
    if not isinstance(answer, dict):
        fail("2.4: write a mapping with T3 and T5 (formulas in w, s2, s3, ...) and general (prose)")
    for name, expected in DH_DH1.items():
        verdict = check_equivalent(_formula(answer, "2.4", name), expected, SIGMA)
        if not verdict.ok:
            fail(f"2.4 {name}: {verdict.message} (s_t stands for sigma'(x_t + h_(t-1)))")


def test_2_4_no_partial_derivatives(answers):
    """The note's second point: the answer is in w and sigma' only, no partial derivatives left."""
    answer = answers.require("2.4")
    if not isinstance(answer, dict):
        fail("2.4: write a mapping with T3 and T5 (formulas in w, s2, s3, ...) and general (prose)")
    for name in DH_DH1:
        try:
            parse_expression(_formula(answer, "2.4", name), SIGMA)
        except ExpressionError as exc:
            fail(f"2.4 {name}: {exc}. Write it with w and s1 ... s5 only (s_t = sigma'(x_t + h_(t-1))), "
                 "with no partial derivatives left")


def _attention(q, keys, values):
    scores = keys @ q
    scores = scores - scores.max()
    alpha = np.exp(scores) / np.exp(scores).sum()
    return alpha, alpha @ values


def _trials(answers, rng, count=5):
    text = _formula(answers.require("3.3"), "3.3")
    for _ in range(count):
        basis, _ = np.linalg.qr(rng.standard_normal((DIM, DIM)))
        keys = basis[:, :len(KEYS)].T                       # orthonormal rows
        values = rng.standard_normal((len(KEYS), DIM)) * 3
        try:
            q = evaluate(text, KEYS, {k: keys[i] for i, k in enumerate(KEYS)})
        except ExpressionError as exc:
            fail(f"3.3: {exc}; write q with the keys k1 ... k6, e.g. \"2*k1 - k3\"")
        q = np.broadcast_to(np.asarray(q, dtype=float), (DIM,))
        if not np.all(np.isfinite(q)):
            fail(f"3.3: q = {text!r} is not finite")
        yield keys, values, *_attention(q, keys, values)


def test_3_3_equal_weight_on_k1_k2(answers, rng):
    """Half a point: q weighs k1 and k2 equally and above every other key."""
    for keys, values, alpha, c in _trials(answers, rng):
        if abs(alpha[0] - alpha[1]) > EQUAL_TOL or alpha[2:].max() >= min(alpha[0], alpha[1]):
            fail(f"3.3: with orthonormal keys your q gives the weights alpha = {np.round(alpha, 4).tolist()}; "
                 "c ~ (v1 + v2)/2 needs alpha_1 = alpha_2 and both much larger than the others")


def test_3_3_output_is_half_sum(answers, rng):
    """The other half: c within C_TOL of (v1 + v2)/2, which needs q = a (k1 + k2) with a large a."""
    for keys, values, alpha, c in _trials(answers, rng):
        target = (values[0] + values[1]) / 2
        error = float(np.abs(c - target).max())
        scale = float(np.abs(values).max())
        if error > C_TOL * scale:
            fail(f"3.3: with random orthonormal keys, |c - (v1 + v2)/2| = {error:.3g}, more than "
                 f"{C_TOL:g} x max|v| = {C_TOL * scale:.3g} (weights alpha = {np.round(alpha, 3).tolist()}); "
                 "scale q up so the other keys' weights vanish")
