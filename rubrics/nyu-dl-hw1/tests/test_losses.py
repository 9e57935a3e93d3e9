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


def test_bce_loss_saturated_predictions(student, rng):
    """A sigmoid that saturates in float32 returns exactly 0.0 or 1.0 (sigmoid(20) == 1.0).

    Where the target agrees with such a prediction the loss is 0, and a loss that takes
    log(0) there returns NaN. The student's loss is compared with itself, on the same
    predictions moved 1e-6 inside (0, 1): a stable loss barely changes, so this item is
    lost only for the saturation (a wrong formula loses ``backprop.bce_loss``, not this).
    The gradient's value at the saturated entries depends on how one clamps (nn.BCELoss
    gives 0; clamping y_hat into [eps, 1 - eps] gives about -1/n): it must only be finite.
    """
    shape = (6, 5)
    y = torch.from_numpy((rng.random(shape) < 0.5).astype(np.float32))
    saturated = torch.from_numpy(rng.random(shape) < 0.4)
    y_hat = torch.where(saturated, y, uniform(rng, 0.02, 0.98, *shape))
    inside = torch.where(saturated, (y - 1e-6).abs(), y_hat)
    J, dJdy_hat = unpack_loss(student.mlp.bce_loss(y, y_hat), "bce_loss")
    J_inside, grad_inside = unpack_loss(student.mlp.bce_loss(y, inside), "bce_loss")
    J_value = torch.as_tensor(J, dtype=torch.float64).reshape(-1)
    J_ref = torch.as_tensor(J_inside, dtype=torch.float64).reshape(-1)
    where = (f"for predictions that are exactly 0.0 or 1.0 where the target agrees ({int(saturated.sum())} of "
             f"{saturated.numel()} entries; what a saturated sigmoid gives in float32)")
    if J_value.numel() != 1 or not torch.isfinite(J_value).all():
        pytest.fail(
            f"bce_loss returned J = {J_value.tolist()} {where}: log(1 - y_hat) is log(0) = -inf when y_hat is 1.0 "
            "(and log(y_hat) when it is 0.0), and 0 * -inf is NaN. Clamp the logs (nn.BCELoss clamps them at "
            "-100) or clamp y_hat into [eps, 1 - eps].",
            pytrace=False,
        )
    if J_ref.numel() != 1 or not torch.isfinite(J_ref).all() or float(J_ref) <= 0:
        pytest.fail(f"bce_loss returned J = {J_ref.tolist()} for predictions strictly inside (0, 1); the binary "
                    "cross-entropy of such predictions is a positive number", pytrace=False)
    if abs(float(J_value) - float(J_ref)) > 1e-3 * abs(float(J_ref)) + 1e-4:
        pytest.fail(
            f"bce_loss returned J = {float(J_value):.6g} {where}, but {float(J_ref):.6g} once those predictions "
            "are moved 1e-6 inside (0, 1): the saturated entries, where the prediction is right, should add "
            "(almost) nothing. Clamp the logs (nn.BCELoss clamps them at -100) or y_hat, not the loss itself.",
            pytrace=False,
        )
    grad = torch.as_tensor(dJdy_hat, dtype=torch.float32)
    if tuple(grad.shape) == shape and not torch.isfinite(grad).all():
        bad = int((~torch.isfinite(grad)).sum())
        pytest.fail(
            f"bce_loss returned a dJdy_hat with {bad} NaN or inf entries {where}: a gradient such as "
            "(y_hat - y) / (y_hat (1 - y_hat)) divides by 0 there. Clamp the denominator (or y_hat) away from 0.",
            pytrace=False,
        )
    expected = torch.as_tensor(grad_inside, dtype=torch.float32)
    masked = torch.where(saturated, expected, grad) if tuple(grad.shape) == shape == tuple(expected.shape) else grad
    assert_close(masked, expected, f"bce_loss: dJdy_hat at the entries that are not saturated, {where}")
