"""1.1-1.4: the student's hand-set weights, run as the network each item defines.

Each answer is data from answers.yaml (numbers, or expressions in the item's parameters m, b
read by the safe parser). The network ``w1^T sigma(w0 x + b0)`` is evaluated on a dense grid
of x covering every kink with room on both sides (and, for 1.2 and 1.3, at several values of
m and b), and compared with the target function. Any weights that compute the target pass:
swapped hidden units, positive rescalings between layers, and so on.
"""

import numpy as np
import pytest
from cs446_helpers import fail, network, relu, sigmoid, vector, worst_error

#: dense grid: every kink of the targets (x = -2, 0, 2) with room on both sides
X = np.union1d(np.linspace(-6.0, 6.0, 2401), [-2.0, 0.0, 2.0, -1e-3, 1e-3])
#: exact: what floating point leaves of a correct answer
EXACT_ATOL = 1e-6
#: 1.4 "close" (the note's "1 point if close"): worst error on the grid at most a quarter of the
#: peak height 6, e.g. one kink moved by 0.5 or one output weight off by 10 %
CLOSE_ATOL = 1.5
#: parameter values for 1.2 and 1.3: negative, zero and positive slopes and offsets
M = np.array([1.0, -2.0, 0.5, 0.0, 3.7, -0.3])
B = np.array([0.0, 1.5, -2.0, 0.7, -0.4, 5.0])


def _check(key, got, want, tol):
    error, at = worst_error(got, want, X)
    if error > tol * (1.0 + np.abs(want).max()):
        fail(f"{key}: your network differs from the target function by up to {error:.3g} (at x = {at:g}); "
             "it must match it for every x (checked on a grid from -6 to 6)")


def test_1_1_identity(answers):
    answer = answers.require("1.1")
    w0, w1 = vector(answer, "1.1", "w0", 2), vector(answer, "1.1", "w1", 2)
    _check("1.1", network(X, w0, w1, None, relu), X[:, None], EXACT_ATOL)


def test_1_2_affine(answers):
    answer = answers.require("1.2")
    values = {"m": M, "b": B}
    w0, w1, b0 = (vector(answer, "1.2", n, 2, ("m", "b"), values) for n in ("w0", "w1", "b0"))
    want = M[None, :] * X[:, None] + B[None, :]
    got = network(X, w0, w1, b0, relu)
    error = np.abs(got - want)
    if error.max() > EXACT_ATOL * (1.0 + np.abs(want).max()):
        row, col = np.unravel_index(int(np.argmax(error)), error.shape)
        fail(f"1.2: with m = {M[col]:g}, b = {B[col]:g} your network differs from m x + b by {error.max():.3g} "
             f"at x = {X[row]:g}; it must equal m x + b for every x and every m, b (write w0, b0 as expressions "
             "in m and b)")


def test_1_3_constant(answers):
    answer = answers.require("1.3")
    values = {"b": B}
    w0, w1 = vector(answer, "1.3", "w0", 1, ("b",), values), vector(answer, "1.3", "w1", 1, ("b",), values)
    want = np.broadcast_to(B[None, :], (len(X), len(B)))
    got = network(X, w0, w1, None, sigmoid)
    error = np.abs(got - want)
    if error.max() > EXACT_ATOL * (1.0 + np.abs(want).max()):
        row, col = np.unravel_index(int(np.argmax(error)), error.shape)
        fail(f"1.3: with b = {B[col]:g} your network gives {got[row, col]:.4g} at x = {X[row]:g}, not b; it must "
             "equal b for every x (write w1 as an expression in b)")


def _hat(x):
    return np.where(x <= 0, np.maximum(3 * x + 6, 0), np.maximum(-3 * x + 6, 0))


def _network_1_4(answers):
    answer = answers.require("1.4")
    w0, w1, b0 = (vector(answer, "1.4", n, 3) for n in ("w0", "w1", "b0"))
    return network(X, w0, w1, b0, relu)[:, 0]


@pytest.mark.parametrize("tier", ["close", "exact"])
def test_1_4_hat(answers, tier):
    """Two tests of one point each: a close network earns the first, an exact one both."""
    got, want = _network_1_4(answers), _hat(X)
    error, at = worst_error(got[:, None], want[:, None], X)
    tol = CLOSE_ATOL if tier == "close" else EXACT_ATOL * 7.0
    if error > tol:
        fail(f"1.4: your network differs from the target by up to {error:.3g} (at x = {at:g}); "
             + ("the 'close' point needs at most 1.5 everywhere on [-6, 6]" if tier == "close"
                else "full marks need it equal everywhere"))
