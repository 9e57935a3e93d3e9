"""Shared helpers of the ee150-ps3 hidden tests (trusted side only)."""

from __future__ import annotations

import os

import pytest
import torch

#: GRADER_EE150_FULL=1 retrains per the handout (5 epochs, the full split) where time allows
FULL = os.environ.get("GRADER_EE150_FULL", "") not in ("", "0")


def mod(student, name):
    """The submission's ``psthree.<name>`` module, in the worker."""
    return student.probe.ps3_module(name)


def as_tensor(value, what):
    """``value`` as a float tensor, or a test failure that says what came back instead."""
    if not isinstance(value, torch.Tensor):
        pytest.fail(f"{what} should return a torch.Tensor; it returned {type(value).__name__}", pytrace=False)
    return value.detach().float()


def compare(got, expected, what, *, atol=1e-4, rtol=1e-4):
    """Fail with shape first, then how many elements differ and the worst one."""
    got = as_tensor(got, what)
    if tuple(got.shape) != tuple(expected.shape):
        pytest.fail(f"{what}: shape {tuple(got.shape)}, expected {tuple(expected.shape)}", pytrace=False)
    if not torch.isfinite(got).all():
        pytest.fail(f"{what}: {int((~torch.isfinite(got)).sum())} NaN or inf values", pytrace=False)
    diff = (got - expected).abs()
    bad = diff > atol + rtol * expected.abs()
    if bad.any():
        worst = int(diff.argmax())
        index = tuple(int(i) for i in torch.unravel_index(torch.tensor(worst), expected.shape))
        pytest.fail(
            f"{what}: {int(bad.sum())} of {expected.numel()} values differ (max abs error "
            f"{float(diff.max()):.3g}); at {index}: got {float(got.flatten()[worst]):.6g}, expected "
            f"{float(expected.flatten()[worst]):.6g}",
            pytrace=False,
        )


def randn(rng, *shape, scale=1.0):
    return torch.from_numpy(rng.standard_normal(shape).astype("float32") * scale)
