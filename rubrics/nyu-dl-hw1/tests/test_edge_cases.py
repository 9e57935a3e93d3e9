"""Edge cases: a batch of one, layers of width one, and a saturated sigmoid.

Each test runs the forward and the backward pass, so a mistake in the core computation
also shows here; what these add are the unusual shapes (a stray ``.squeeze()``, a bias
gradient that is not summed over the batch) and the numerics of the sigmoid at ``|z|`` of
30 to 150, where ``exp`` overflows in float32 and a careless formula returns NaN.
"""

import pytest
import torch

from nyu_hw1_helpers import (
    Twin,
    assert_close,
    assert_grads_close,
    describe,
    get_grads,
    make_mlp,
    pair_params,
    randn,
    random_parameters,
    upstream_gradient,
)


def _forward_backward(student, rng, f, g, sizes, batch):
    n_in, hidden, n_out = sizes
    net, params = make_mlp(student, rng, n_in, hidden, n_out, f, g)
    twin = Twin(params, f, g)
    x = randn(rng, batch, n_in)
    context = describe(f, g, n_in, hidden, n_out, batch)
    assert_close(net.forward(x), twin.output(x), f"forward output of {context}")
    upstream = upstream_gradient("random", twin.output(x), rng)
    net.backward(upstream)
    assert_grads_close(get_grads(net, f"backward of {context}"), twin.gradients(x, upstream), f"backward of {context}")


@pytest.mark.parametrize(("f", "g"), pair_params([("relu", "identity"), ("sigmoid", "sigmoid"), ("identity", "relu")]))
def test_batch_of_one(student, rng, f, g):
    _forward_backward(student, rng, f, g, (2, 20, 5), batch=1)


@pytest.mark.parametrize(("f", "g"), pair_params([("relu", "sigmoid"), ("identity", "identity"), ("sigmoid", "relu")]))
def test_width_one(student, rng, f, g):
    # in = hidden = out = 1 with a batch of 6: every tensor has a dimension of size 1
    _forward_backward(student, rng, f, g, (1, 1, 1), batch=6)


#: pre-activations far into the sigmoid's flat tails, both signs; exp(89) overflows float32
SATURATING_BIAS = [100.0, -100.0, 30.0, -30.0, 150.0, -150.0]

SATURATION_CASES = [
    pytest.param("relu", "sigmoid", "output layer", id="output-layer"),
    pytest.param("sigmoid", "identity", "hidden layer", id="hidden-layer"),
    pytest.param("sigmoid", "sigmoid", "hidden and output layers", id="both-layers"),
]


def _saturating_parameters(rng, layer):
    n_in, hidden, n_out = 3, 6, 6
    params = random_parameters(rng, n_in, hidden, n_out)
    if "hidden" in layer:
        params["b1"] = torch.tensor(SATURATING_BIAS)
    if "output" in layer:
        params["b2"] = torch.tensor(SATURATING_BIAS)
    return (n_in, hidden, n_out), params


@pytest.mark.parametrize(("f", "g", "layer"), SATURATION_CASES)
def test_saturated_sigmoid_forward(student, rng, f, g, layer):
    sizes, params = _saturating_parameters(rng, layer)
    net, params = make_mlp(student, rng, *sizes, f, g, params=params)
    x = randn(rng, 8, sizes[0])
    assert_close(
        net.forward(x),
        Twin(params, f, g).output(x),
        f"forward output of {describe(f, g, *sizes, 8)} with pre-activations of |z| up to 150 in the {layer}",
        hint="1/(1+exp(-z)) is safe; exp(z)/(1+exp(z)) gives inf/inf = NaN for z > 88 in float32",
    )


@pytest.mark.parametrize(("f", "g", "layer"), SATURATION_CASES)
def test_saturated_sigmoid_backward(student, rng, f, g, layer):
    sizes, params = _saturating_parameters(rng, layer)
    net, params = make_mlp(student, rng, *sizes, f, g, params=params)
    twin = Twin(params, f, g)
    x = randn(rng, 8, sizes[0])
    upstream = upstream_gradient("random", twin.output(x), rng)
    net.forward(x)
    net.backward(upstream)
    context = f"backward of {describe(f, g, *sizes, 8)} with pre-activations of |z| up to 150 in the {layer}"
    assert_grads_close(get_grads(net, context), twin.gradients(x, upstream), context)
