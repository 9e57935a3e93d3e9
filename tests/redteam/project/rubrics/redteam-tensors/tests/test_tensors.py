"""Hidden tests of the red-team tensor part. SECRET-MARKER-7f3a: a hostile submission must never read this."""

import numpy as np
import torch


def test_add(student):
    got = student.calc.add(2, 3)
    assert got == 5, f"add(2, 3) should be 5, got {got!r}"


def test_scale(student, rng):
    x = torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32)
    got = student.calc.scale(x, 2.0)
    assert type(got) is torch.Tensor, f"scale should return a plain tensor, got {type(got).__name__}"
    assert torch.allclose(got, 2 * x), f"scale(x, 2) should be 2 * x, got {got.tolist()}"


def test_normalize(student, rng):
    x = rng.random(5) + 0.5
    got = student.calc.normalize(x)
    assert isinstance(got, np.ndarray), f"normalize should return an array, got {type(got).__name__}"
    assert got.shape == x.shape and np.allclose(got, x / x.sum()), f"normalize(x) is wrong: got {got}"
