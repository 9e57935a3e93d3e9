"""Public tests: run ``pytest test_public.py`` in this folder. The hidden tests go further
(more shapes, random weights, masks, training runs), so pass these first, then test more."""

import torch
import torch.nn.functional as F

from psthree.attention import MultiHeadAttention, SelfAttention
from psthree.conv import Conv2d, FasterConv2d


def test_conv_random_with_padding_and_stride():
    torch.manual_seed(0)
    x, w, b = torch.randn(2, 3, 9, 9), torch.randn(4, 3, 3, 3), torch.randn(4)
    expected = F.conv2d(x, w, b, stride=2, padding=1)
    for cls in (Conv2d, FasterConv2d):
        out = cls(3, 4, 3, padding=1, stride=2, filters=w, biases=b)(x)
        assert torch.norm(out - expected) < 1e-2, cls.__name__


def test_attention_shapes():
    x = torch.randn(2, 5, 16)
    assert SelfAttention(16)(x).shape == (2, 5, 16)
    assert MultiHeadAttention(16, 4)(x).shape == (2, 5, 16)


def test_self_attention_is_a_weighted_average_of_values():
    torch.manual_seed(0)
    layer = SelfAttention(8)
    x = torch.randn(1, 4, 8)
    scores = layer.W_q(x) @ layer.W_k(x).transpose(1, 2) / 8 ** 0.5
    expected = torch.softmax(scores, dim=-1) @ layer.W_v(x)
    assert torch.allclose(layer(x), expected, atol=1e-5)
