"""Backward pass: all four gradients against autograd on a torch.nn twin.

The gradient dJdy_hat fed to the student's ``backward`` is computed by the grader (from
the MSE or BCE loss of the twin's output against random targets, or drawn at random), so a
mistake in mse_loss/bce_loss costs only the loss items, not these.

Split in two: pairs made of relu/identity only, and pairs involving the sigmoid.
"""

import pytest

from nyu_hw1_helpers import (
    PAIRS,
    Twin,
    assert_grads_close,
    describe,
    get_grads,
    make_mlp,
    randn,
    upstream_gradient,
)

#: (batch, in, hidden, out): the course's sizes, another set, and a square one
SHAPES = [(10, 2, 20, 5), (16, 4, 7, 3), (5, 3, 3, 3)]


def _cases(with_sigmoid: bool):
    cases = []
    for f, g in PAIRS:
        if ("sigmoid" in (f, g)) != with_sigmoid:
            continue
        # BCE needs predictions in (0, 1): only after a sigmoid output
        kinds = ("mse", "bce", "random") if g == "sigmoid" else ("mse", "random")
        cases += [pytest.param(f, g, kind, id=f"{f}-{g}-{kind}") for kind in kinds]
    return cases


def _check_backward(student, rng, f, g, kind):
    for batch, n_in, hidden, n_out in SHAPES:
        net, params = make_mlp(student, rng, n_in, hidden, n_out, f, g)
        twin = Twin(params, f, g)
        x = randn(rng, batch, n_in)
        upstream = upstream_gradient(kind, twin.output(x), rng)
        net.forward(x)
        net.backward(upstream)
        context = f"backward of {describe(f, g, n_in, hidden, n_out, batch)} with the {kind} loss gradient"
        assert_grads_close(get_grads(net, context), twin.gradients(x, upstream), context)


@pytest.mark.parametrize(("f", "g", "kind"), _cases(with_sigmoid=False))
def test_backward_relu_identity(student, rng, f, g, kind):
    _check_backward(student, rng, f, g, kind)


@pytest.mark.parametrize(("f", "g", "kind"), _cases(with_sigmoid=True))
def test_backward_sigmoid(student, rng, f, g, kind):
    _check_backward(student, rng, f, g, kind)
