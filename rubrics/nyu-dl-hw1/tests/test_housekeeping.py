"""Housekeeping: the shapes set up by __init__, and clear_grad_and_cache.

These compare the student's network with itself (not with the twin), so a wrong forward
or backward formula does not cost these points; only the bookkeeping does.
"""

import pytest
import torch

from nyu_hw1_helpers import GRAD_OF, assert_close, get_grads, make_mlp, randn

SIZES = (3, 7, 4)  # in, hidden, out


def _expected_shapes(n_in, hidden, n_out):
    return {"W1": (hidden, n_in), "b1": (hidden,), "W2": (n_out, hidden), "b2": (n_out,)}


def _run_batch(net, rng, batch=5):
    net.forward(randn(rng, batch, SIZES[0]))
    net.backward(randn(rng, batch, SIZES[2], scale=0.3))


def test_init_shapes(student):
    n_in, hidden, n_out = SIZES
    net = student.mlp.MLP(n_in, hidden, "relu", hidden, n_out, "sigmoid")
    shapes = _expected_shapes(n_in, hidden, n_out)
    params = net.parameters
    for name, shape in shapes.items():
        value = params.get(name) if isinstance(params, dict) else None
        if not (isinstance(value, torch.Tensor) and tuple(value.shape) == shape):
            found = f"shape {tuple(value.shape)}" if isinstance(value, torch.Tensor) else type(value).__name__
            pytest.fail(
                f"after MLP({n_in}, {hidden}, 'relu', {hidden}, {n_out}, 'sigmoid'), parameters[{name!r}] "
                f"should be a tensor of shape {shape} (W is out x in); found {found}",
                pytrace=False,
            )
    grads = get_grads(net, "right after MLP(...)")
    for grad_name, name in GRAD_OF.items():
        assert_close(grads[grad_name], torch.zeros(shapes[name]), f"grads[{grad_name!r}] right after MLP(...)")


def test_clear_zeroes_grads(student, rng):
    net, _ = make_mlp(student, rng, *SIZES, "relu", "identity")
    _run_batch(net, rng)
    net.clear_grad_and_cache()
    grads = get_grads(net, "after clear_grad_and_cache()")
    for name in GRAD_OF:
        value = grads[name]
        shape = tuple(value.shape) if isinstance(value, torch.Tensor) else ()
        assert_close(value, torch.zeros(shape), f"grads[{name!r}] after forward, backward and clear_grad_and_cache()")


def test_clear_empties_cache(student, rng):
    net, _ = make_mlp(student, rng, *SIZES, "sigmoid", "relu")
    _run_batch(net, rng)
    left = student.probe.cache_entries(net)
    net.clear_grad_and_cache()
    left_after = student.probe.cache_entries(net)
    if left_after != 0:
        pytest.fail(
            f"after clear_grad_and_cache() the cache still holds {left_after} entr"
            f"{'y' if left_after == 1 else 'ies'} (it held {left} after forward and backward); "
            "it should be empty",
            pytrace=False,
        )


def test_backward_after_clear_matches_fresh_network(student, rng):
    """Batch 1, clear, batch 2 must give the same gradients as batch 2 on a fresh network."""
    net, params = make_mlp(student, rng, *SIZES, "relu", "identity")
    fresh, _ = make_mlp(student, rng, *SIZES, "relu", "identity", params=params)
    _run_batch(net, rng, batch=5)
    net.clear_grad_and_cache()
    x, upstream = randn(rng, 6, SIZES[0]), randn(rng, 6, SIZES[2], scale=0.3)
    net.forward(x)
    net.backward(upstream)
    fresh.forward(x)
    fresh.backward(upstream)
    got = get_grads(net, "after clear_grad_and_cache() and a second batch")
    expected = get_grads(fresh, "on a fresh network")
    for name in GRAD_OF:
        if not isinstance(expected[name], torch.Tensor):
            continue  # backward's own problem, reported by the backward items
        assert_close(
            got[name],
            expected[name],
            f"grads[{name!r}] after batch 1, clear_grad_and_cache(), batch 2, compared with batch 2 alone "
            "on a fresh network",
            rtol=1e-5,
            atol=1e-6,
            hint="clear_grad_and_cache must reset the gradients so that nothing from batch 1 is left",
        )
