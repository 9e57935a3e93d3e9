"""mse_loss and bce_loss: the value J and the gradient dJdy_hat, against torch's losses + autograd.

Both losses average over ALL elements (batch x out), as nn.MSELoss and nn.BCELoss do.
"""

import numpy as np
import pytest
import torch

from nyu_hw1_helpers import assert_close, bce_twin, mse_twin, randn, uniform, unpack_loss

SHAPES = [
    pytest.param((10, 5), id="10x5"),
    pytest.param((1, 1), id="1x1"),
    pytest.param((3, 22), id="3x22"),
    pytest.param((64, 3), id="64x3"),
]


def _check(student_fn, twin_fn, name, y, y_hat, case):
    J, dJdy_hat = unpack_loss(student_fn(y, y_hat), name)
    J_expected, grad_expected = twin_fn(y, y_hat)
    shape = "x".join(map(str, y.shape))
    assert_close(
        J,
        J_expected,
        f"{name}: J for {case} of shape {shape}",
        scalar=True,
        hint="the mean over all elements (batch x out), not the sum, not the mean over the batch only",
    )
    assert_close(
        dJdy_hat,
        grad_expected,
        f"{name}: dJdy_hat for {case} of shape {shape}",
        hint="the derivative of the mean includes the factor 1/(number of elements)",
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_mse_loss(student, rng, shape):
    y, y_hat = randn(rng, *shape), randn(rng, *shape)
    _check(student.mlp.mse_loss, mse_twin, "mse_loss", y, y_hat, "random targets and predictions")


@pytest.mark.parametrize("shape", SHAPES)
def test_bce_loss(student, rng, shape):
    y = torch.from_numpy((rng.random(shape) < 0.5).astype(np.float32))
    y_hat = uniform(rng, 0.02, 0.98, *shape)
    _check(student.mlp.bce_loss, bce_twin, "bce_loss", y, y_hat, "0/1 targets and predictions in (0.02, 0.98)")


def test_bce_loss_soft_targets(student, rng):
    y = uniform(rng, 0.0, 1.0, 8, 4)
    y_hat = uniform(rng, 0.02, 0.98, 8, 4)
    _check(student.mlp.bce_loss, bce_twin, "bce_loss", y, y_hat, "targets anywhere in [0, 1] (not only 0 or 1)")


def test_bce_loss_confident_predictions(student, rng):
    shape = (6, 5)
    y = torch.from_numpy((rng.random(shape) < 0.5).astype(np.float32))
    # predictions within 1e-3..1e-2 of 0 or 1, right and wrong alike
    near = uniform(rng, 1e-3, 1e-2, *shape)
    y_hat = torch.where(torch.from_numpy(rng.random(shape) < 0.5), near, 1.0 - near)
    _check(student.mlp.bce_loss, bce_twin, "bce_loss", y, y_hat, "confident predictions (within 0.01 of 0 or 1)")
