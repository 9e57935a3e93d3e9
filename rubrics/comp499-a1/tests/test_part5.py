"""Part 5: least squares, gradient-descent iterates, checked numerically against closed forms."""

import pytest
import torch

from comp499_helpers import assert_close


def _problem(rng, n=20, d=4):
    X = torch.tensor(rng.standard_normal((n, d)))
    y = torch.tensor(rng.standard_normal(n))
    w0 = torch.tensor(rng.standard_normal(d))
    alpha = 0.5 / float(torch.linalg.eigvalsh(X.T @ X).max())
    return X, y, w0, alpha


def _gd(X, y, w, alpha, k):
    for _ in range(k):
        w = w - alpha * X.T @ (X @ w - y)
    return w


@pytest.mark.parametrize("seed", range(2))
def test_gradient_and_minimizer(student, rng, seed):
    X, y, w0, _ = _problem(rng)
    assert_close(student.squared_loss_grad(X, w0, y), X.T @ (X @ w0 - y), "squared_loss_grad(X, w, y)")
    assert_close(student.least_squares_solution(X, y), torch.linalg.lstsq(X, y).solution,
                 "least_squares_solution(X, y)", rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("seed", range(2))
def test_first_iterates(student, rng, seed):
    X, y, w0, alpha = _problem(rng)
    got = student.gd_first_iterates(X, y, w0, alpha)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        pytest.fail(f"gd_first_iterates should return the pair (w1, w2); it returned {got!r:.100}", pytrace=False)
    assert_close(got[0], _gd(X, y, w0, alpha, 1), "w1 from gd_first_iterates")
    assert_close(got[1], _gd(X, y, w0, alpha, 2), "w2 from gd_first_iterates")


@pytest.mark.parametrize("k", [0, 1, 7, 40])
def test_kth_iterate(student, rng, k):
    X, y, w0, alpha = _problem(rng)
    assert_close(student.gd_iterate(X, y, w0, alpha, k), _gd(X, y, w0, alpha, k), f"gd_iterate(X, y, w0, alpha, {k})",
                 rtol=1e-6, atol=1e-8)
