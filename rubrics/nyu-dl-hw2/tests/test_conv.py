"""Problem 1.1: convolution output sizes, and the indices in the conv layer's formulas.

Shapes are compared with singleton dimensions dropped; index formulas are compared as
functions of r, k (or n, r) with ``check_equivalent``. The general output size (1.1.2) is
compared by value on random valid integer settings, so every correct way of writing it
(floor(a/S) + 1, floor((a + S)/S), ceil((a + 1)/S), ...) passes.
"""

import numpy as np

from nyu_hw2_helpers import assert_equivalent, assert_shape, read_formulas, values_of

CONV_SYMBOLS = ["C", "H", "W", "K", "P", "S", "D", "F"]


def test_output_size_21x12(answers):
    assert_shape(answers, "1.1.1", [[5, 2]], "the output of a 4 x 5 kernel with stride 4 on a 21 x 12 input",
                 hint="Count how many positions the kernel fits at along each axis, moving 4 at a time.")


def _conv_settings(rng, count=400):
    K = rng.integers(1, 6, count)
    D = rng.integers(1, 4, count)
    P = rng.integers(0, 4, count)
    S = rng.integers(1, 5, count)
    span = D * (K - 1) + 1
    H = np.maximum(K, span - 2 * P) + rng.integers(0, 30, count)
    W = np.maximum(K, span - 2 * P) + rng.integers(0, 30, count)
    return {"C": rng.integers(1, 9, count), "H": H, "W": W, "K": K, "P": P, "S": S, "D": D,
            "F": rng.integers(1, 17, count)}


def test_output_shape_general(answers, rng):
    key = "1.1.2"
    formulas = read_formulas(answers, key, 3, '["C", "H - 1", "floor(W/2)"]')
    settings = _conv_settings(rng)
    K, P, S, D = settings["K"], settings["P"], settings["S"], settings["D"]
    expected = [settings["F"],
                (settings["H"] + 2 * P - D * (K - 1) - 1) // S + 1,
                (settings["W"] + 2 * P - D * (K - 1) - 1) // S + 1]
    for axis, text, want in zip(["channels", "height", "width"], formulas, expected):
        got = values_of(key, text, CONV_SYMBOLS, settings)
        wrong = np.flatnonzero(np.abs(got - want) > 1e-9)
        if wrong.size:
            i = wrong[0]
            at = ", ".join(f"{n}={int(settings[n][i])}" for n in CONV_SYMBOLS)
            raise AssertionError(f"{key}: your {axis} {text!r} is wrong for {wrong.size} of {len(want)} settings, "
                                 f"e.g. at {at} it gives {got[i]:g}. Check how padding (on each side), "
                                 "dilation and stride enter, and that it holds when S does not divide evenly.")


def test_3a_output_shape(answers):
    assert_shape(answers, "1.1.3.a.shape", [[3]], "f_W(x) (length 7, kernel 3, stride 2, one filter)")


def test_3a_index(answers):
    assert_equivalent(answers, "1.1.3.a.index", "2*(r - 1) + k", ["r", "k"],
                      "the position n of x[n, c] that W[1, c, k] multiplies in f_W(x)[r], counting from 1")


def test_3b_jacobian_shape(answers):
    assert_shape(answers, "1.1.3.b.shape", [[3, 1, 5, 3]], "d f_W(x) / d W",
                 hint="Numerator layout: the dimensions of f_W(x) followed by those of W (1 x 5 x 3), in W's order.")


def test_3b_index(answers):
    assert_equivalent(answers, "1.1.3.b.index", "2*(r - 1) + k", ["r", "k"],
                      "the position n in d f_W(x)[r] / d W[1, c, k] = x[n, c]")


def test_3c_jacobian_shape(answers):
    assert_shape(answers, "1.1.3.c.shape", [[3, 7, 5], [3, 5, 7]], "d f_W(x) / d x",
                 hint="Numerator layout: the dimensions of f_W(x) followed by those of x.")


def test_3c_kernel_index(answers):
    assert_equivalent(answers, "1.1.3.c.kernel_index", "n - 2*(r - 1)", ["n", "r"],
                      "the kernel tap j in d f_W(x)[r] / d x[n, c] = W[1, c, j]")


def test_3d_gradient_shape(answers):
    assert_shape(answers, "1.1.3.d.shape", [[1, 5, 3]], "d l / d W",
                 hint="l is a number, so d l / d W has the dimensions of W, in W's order.")


def test_3d_gradient_entry(answers):
    assert_equivalent(answers, "1.1.3.d.entry", "g1*x2 + g2*x4 + g3*x6",
                      ["g1", "g2", "g3", "x1", "x2", "x3", "x4", "x5", "x6", "x7"],
                      "d l / d W[1, c, 2] in g1, g2, g3 and x1 ... x7")
