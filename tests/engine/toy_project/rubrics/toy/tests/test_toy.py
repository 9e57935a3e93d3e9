"""Hidden tests of the toy assignment. SECRET-MARKER-7f3a: a hostile submission must never read this."""

import torch


def test_add_ints(student):
    assert student.calc.add(2, 3) == 5, "add(2, 3) should be 5"


def test_add_floats(student):
    assert abs(student.calc.add(0.5, 0.25) - 0.75) < 1e-12, "add(0.5, 0.25) should be 0.75"


def test_scale(student, rng):
    x = torch.tensor(rng.standard_normal((3, 4)), dtype=torch.float32)
    got = student.calc.scale(x, 2.0)
    assert isinstance(got, torch.Tensor), f"scale should return a tensor, got {type(got).__name__}"
    assert torch.allclose(got, 2 * x), "scale(x, 2) should be 2 * x"
