"""Forward pass of the student's MLP for every (f, g) pair, against a torch.nn twin."""

import pytest

from nyu_hw1_helpers import Twin, assert_close, describe, make_mlp, pair_params, randn

#: (batch, in, hidden, out): the course's first test's sizes and a second, odd set
SHAPES = [(10, 2, 20, 5), (7, 6, 13, 3)]


@pytest.mark.parametrize(("f", "g"), pair_params())
def test_forward(student, rng, f, g):
    for batch, n_in, hidden, n_out in SHAPES:
        net, params = make_mlp(student, rng, n_in, hidden, n_out, f, g)
        x = randn(rng, batch, n_in)
        got = net.forward(x)
        assert_close(
            got,
            Twin(params, f, g).output(x),
            f"forward output of {describe(f, g, n_in, hidden, n_out, batch)}",
            hint="z1 = x @ W1.T + b1, z2 = f(z1), z3 = z2 @ W2.T + b2, y_hat = g(z3)",
        )
