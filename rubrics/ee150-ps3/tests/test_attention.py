"""SelfAttention and MultiHeadAttention (3a iv) against torch, with random weights and inputs.

The course's public tests fed all-ones inputs: every token is then the same, any weighting
of the values gives the same answer, and an attention that ignores its scores passes.
Here inputs and weights are random and large enough that the 1/sqrt(d_k) scale, the
softmax axis and the order of the heads all change the result. The course's ``forward(x)``
takes no mask, so none is graded; ``d_model`` and ``num_heads`` are given as 0-d tensors
in one case of each class, as the course's tests give them.
The references: ``F.scaled_dot_product_attention`` for one head and
``nn.MultiheadAttention`` (batch_first, the student's W_q, W_k, W_v stacked into its
``in_proj``, W_o as its ``out_proj``) for several.
"""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ps3_helpers import compare, randn

SELF_SHAPES = [(2, 5, 8), (1, 7, 16), (3, 4, 32)]       # batch, tokens, d_model
HEADS = [(2, 6, 16, 2), (1, 5, 32, 4), (3, 4, 32, 8), (2, 3, 8, 1)]   # batch, tokens, d_model, heads


def _weights(rng, d_model, names):
    return {f"{n}.weight": randn(rng, d_model, d_model, scale=1.0 / d_model ** 0.5 * 2.0) for n in names} | {
        f"{n}.bias": randn(rng, d_model, scale=0.3) for n in names}


def _project(x, state, name):
    return x @ state[f"{name}.weight"].T + state[f"{name}.bias"]


def _self_reference(x, state):
    q, k, v = (_project(x, state, n) for n in ("W_q", "W_k", "W_v"))
    return F.scaled_dot_product_attention(q, k, v)


def _size(value, as_tensor):
    """``value`` as an int, or as the course's tests give it: a 0-d int64 tensor."""
    return torch.tensor(value) if as_tensor else value


def _self_attention(student, state, d_model, as_tensor=False):
    layer = student.probe.ps3_module("attention").SelfAttention(_size(d_model, as_tensor))
    student.probe.ps3_load_weights(layer, state)
    return layer


@pytest.mark.parametrize("shape", SELF_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_self_attention_matches_torch(student, rng, shape):
    batch, tokens, d_model = shape
    state = _weights(rng, d_model, ("W_q", "W_k", "W_v"))
    x = randn(rng, batch, tokens, d_model, scale=1.5)
    as_tensor = shape == SELF_SHAPES[0]
    compare(_self_attention(student, state, d_model, as_tensor)(x), _self_reference(x, state),
            f"SelfAttention({d_model}) on a random {batch} x {tokens} x {d_model} input", atol=1e-4, rtol=1e-3)


def test_self_attention_scales_by_sqrt_dk(student, rng):
    d_model = 64
    state = _weights(rng, d_model, ("W_q", "W_k", "W_v"))
    x = randn(rng, 2, 6, d_model)
    expected = _self_reference(x, state)
    got = _self_attention(student, state, d_model)(x)
    q, k, v = (_project(x, state, n) for n in ("W_q", "W_k", "W_v"))
    unscaled = torch.softmax(q @ k.transpose(-2, -1), dim=-1) @ v
    if isinstance(got, torch.Tensor) and got.shape == unscaled.shape and torch.allclose(got, unscaled, atol=1e-4):
        pytest.fail("SelfAttention(64) returns softmax(Q K^T) V: the scores must be divided by sqrt(d_k) = 8 "
                    "before the softmax", pytrace=False)
    compare(got, expected, "SelfAttention(64) (scores divided by sqrt(64))", atol=1e-4, rtol=1e-3)


def test_self_attention_permutation_equivariant(student, rng):
    batch, tokens, d_model = 2, 7, 16
    state = _weights(rng, d_model, ("W_q", "W_k", "W_v"))
    layer = _self_attention(student, state, d_model)
    x = randn(rng, batch, tokens, d_model)
    perm = torch.from_numpy(rng.permutation(tokens))
    first = layer(x)
    compare(layer(x[:, perm]), torch.as_tensor(first)[:, perm],
            "SelfAttention on permuted tokens (self-attention without positions must permute its output the same "
            "way)", atol=1e-4, rtol=1e-3)


def _mha_reference(x, state, heads):
    d_model = x.shape[-1]
    ref = nn.MultiheadAttention(d_model, heads, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.cat([state[f"{n}.weight"] for n in ("W_q", "W_k", "W_v")]))
        ref.in_proj_bias.copy_(torch.cat([state[f"{n}.bias"] for n in ("W_q", "W_k", "W_v")]))
        ref.out_proj.weight.copy_(state["W_o.weight"]), ref.out_proj.bias.copy_(state["W_o.bias"])
        return ref(x, x, x, need_weights=False)[0]


def _mha(student, state, d_model, heads, as_tensor=False):
    layer = student.probe.ps3_module("attention").MultiHeadAttention(_size(d_model, as_tensor),
                                                                      _size(heads, as_tensor))
    student.probe.ps3_load_weights(layer, state)
    return layer


@pytest.mark.parametrize("shape", HEADS, ids=lambda s: "x".join(map(str, s)))
def test_multihead_matches_torch(student, rng, shape):
    batch, tokens, d_model, heads = shape
    state = _weights(rng, d_model, ("W_q", "W_k", "W_v", "W_o"))
    x = randn(rng, batch, tokens, d_model, scale=1.5)
    as_tensor = shape == HEADS[0]
    compare(_mha(student, state, d_model, heads, as_tensor)(x), _mha_reference(x, state, heads),
            f"MultiHeadAttention({d_model}, {heads}) on a random {batch} x {tokens} x {d_model} input "
            "(compared with nn.MultiheadAttention holding your W_q, W_k, W_v, W_o)", atol=1e-4, rtol=1e-3)


def test_multihead_scales_by_sqrt_dk(student, rng):
    """The scores of each head are divided by sqrt(d_k) (d_k = d_model / num_heads), not sqrt(d_model)."""
    d_model, heads = 64, 8
    state = _weights(rng, d_model, ("W_q", "W_k", "W_v", "W_o"))
    x = randn(rng, 2, 6, d_model, scale=1.5)
    got = _mha(student, state, d_model, heads)(x)
    scaled = {n: v * (d_model / heads / d_model) ** 0.5 if n == "W_q.weight" or n == "W_q.bias" else v
              for n, v in state.items()}  # queries shrunk by sqrt(d_k / d_model): scores over sqrt(d_model)
    wrong = _mha_reference(x, scaled, heads)
    if isinstance(got, torch.Tensor) and got.shape == wrong.shape and torch.allclose(got, wrong, atol=1e-4):
        pytest.fail(f"MultiHeadAttention({d_model}, {heads}) divides the scores by sqrt(d_model) = 8; each head's "
                    f"scores must be divided by sqrt(d_k) = sqrt({d_model} / {heads})", pytrace=False)
    compare(got, _mha_reference(x, state, heads), f"MultiHeadAttention({d_model}, {heads}) (scores divided by "
            "sqrt(d_k) = sqrt(8))", atol=1e-4, rtol=1e-3)
