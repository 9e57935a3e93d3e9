"""Public tests: run ``pytest test_public.py`` in this folder. They do what the course's
``tests/conv_tests.py`` and ``tests/attention_tests.py`` do (written anew: random data
instead of the course's .npz files). The hidden tests go further (more shapes, random
weights, the scale of the scores, training runs), so pass these first, then test more."""

import time

import pytest
import torch
import torch.nn.functional as F

from psthree.attention import MultiHeadAttention, SelfAttention
from psthree.conv import Conv2d, FasterConv2d

#: the course's five cases: (name, input shape, filters shape, padding, stride)
CONV_CASES = [("simple", (1, 10, 10, 8), (3, 10, 5, 5), 0, 1), ("random", (1, 3, 32, 32), (3, 3, 5, 5), 0, 1),
              ("random_w_padding", (1, 3, 32, 32), (3, 3, 5, 5), 3, 1),
              ("random_w_stride", (1, 3, 32, 32), (3, 3, 5, 5), 0, 2),
              ("random_large_w_everything", (1, 6, 64, 64), (8, 6, 4, 4), 8, 3)]


def _case(shape, filters_shape):
    torch.manual_seed(42)
    return torch.randn(*shape), torch.randn(*filters_shape), torch.randn(filters_shape[0])


@pytest.mark.parametrize("cls", [Conv2d, FasterConv2d], ids=["Conv2d", "FasterConv2d"])
@pytest.mark.parametrize("name, shape, filters_shape, padding, stride", CONV_CASES, ids=[c[0] for c in CONV_CASES])
def test_conv(cls, name, shape, filters_shape, padding, stride):
    x, filters, biases = _case(shape, filters_shape)
    conv = cls(x.shape[1], filters.shape[0], filters.shape[2], padding, stride, filters, biases)
    with torch.no_grad():
        output = conv(x)
    assert torch.norm(output - F.conv2d(x, filters, biases, stride=stride, padding=padding)) < 1e-2


def test_faster_conv2d_speedup():
    _, shape, filters_shape, padding, stride = CONV_CASES[-1]
    x, filters, biases = _case(shape, filters_shape)
    times, threads = [], torch.get_num_threads()
    torch.set_num_threads(1)  # on a busy machine, threads waiting for each other would time the machine
    for cls in (Conv2d, FasterConv2d):
        conv = cls(x.shape[1], filters.shape[0], filters.shape[2], padding, stride, filters, biases)
        best = float("inf")
        with torch.no_grad():
            for _ in range(3):  # best of three: the course times one call, which a busy machine can spoil
                start = time.perf_counter()
                conv(x)
                best = min(best, time.perf_counter() - start)
        times.append(best)
    torch.set_num_threads(threads)
    assert times[1] * 2 < times[0], f"Conv2d {times[0]:.4f} s, FasterConv2d {times[1]:.4f} s"


@pytest.mark.parametrize("shape, d_model, num_heads", [((10, 10, 10), 10, 1), ((16, 30, 128), 128, 16)],
                         ids=["simple", "random"])
def test_attention(shape, d_model, num_heads):
    # the course passes d_model and num_heads as 0-d tensors (read from its .npz files)
    d_model, num_heads = torch.tensor(d_model), torch.tensor(num_heads)
    torch.manual_seed(42)
    x = torch.randn(*shape)
    with torch.no_grad():
        single = SelfAttention(d_model)
        q, k, v = single.W_q(x), single.W_k(x), single.W_v(x)
        expected = torch.softmax(q @ k.transpose(1, 2) / int(d_model) ** 0.5, dim=-1) @ v
        assert torch.norm(single(x) - expected) < 1e-2
        multi = MultiHeadAttention(d_model, num_heads)
        assert multi(x).shape == x.shape
