"""Scaled dot-product self-attention, single- and multi-head (Problem 3a iv).

``SelfAttention(d_model)``: ``self.W_q``, ``self.W_k``, ``self.W_v``, each
``nn.Linear(d_model, d_model)``; for ``x`` of shape ``B x T x d_model``::

    Q, K, V = W_q(x), W_k(x), W_v(x)
    Attention(x) = softmax(Q K^T / sqrt(d_k)) V        softmax over the keys (last axis)

with ``d_k = d_model``. ``MultiHeadAttention(d_model, num_heads)`` has the same three
projections plus ``self.W_o = nn.Linear(d_model, d_model)``; head ``i`` uses columns
``i * d_k .. (i + 1) * d_k`` of ``Q``, ``K``, ``V`` (``d_k = d_model // num_heads``), the
heads' outputs are concatenated in order 0..h-1 and projected by ``W_o``.

``forward(x)`` returns ``B x T x d_model``, as the course's ``attention.py`` has it (no
mask; ``d_model`` and ``num_heads`` may come as 0-d tensors, as in the course's tests).
This reference also takes an optional ``mask`` (``B x T`` booleans, True = padding: no
attention weight on those keys) for its Transformer; the grader never passes one.
"""

import math

import torch
from torch import nn


def attend(q, k, v, mask=None):
    """``softmax(q k^T / sqrt(d_k)) v`` over the last two axes; ``mask`` (``B x T_k``) True = ignore."""
    # BEGIN SOLUTION
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        keys_mask = mask.view(mask.shape[0], *([1] * (scores.dim() - 2)), mask.shape[-1])
        scores = scores.masked_fill(keys_mask, float("-inf"))
    # a row whose keys are all padding has no weights (0, not NaN)
    return torch.softmax(scores, dim=-1).nan_to_num(0.0) @ v
    # END SOLUTION


class SelfAttention(nn.Module):
    def __init__(self, d_model):
        super().__init__()
        self.d_model = d_model
        self.W_q = nn.Linear(d_model, d_model)
        self.W_k = nn.Linear(d_model, d_model)
        self.W_v = nn.Linear(d_model, d_model)

    def forward(self, x, mask=None):
        # BEGIN SOLUTION
        return attend(self.W_q(x), self.W_k(x), self.W_v(x), mask)
        # END SOLUTION


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        if d_model % num_heads:
            raise ValueError(f"d_model ({d_model}) must be a multiple of num_heads ({num_heads})")
        self.d_model = d_model
        self.num_heads = num_heads
        self.d_k = d_model // num_heads
        self.W_q = nn.Linear(d_model, d_model)
        self.W_k = nn.Linear(d_model, d_model)
        self.W_v = nn.Linear(d_model, d_model)
        self.W_o = nn.Linear(d_model, d_model)

    def split_heads(self, x):
        """``B x T x d_model`` -> ``B x h x T x d_k``."""
        # BEGIN SOLUTION
        batch, steps, _ = x.shape
        return x.view(batch, steps, self.num_heads, self.d_k).transpose(1, 2)
        # END SOLUTION

    def forward(self, x, mask=None):
        # BEGIN SOLUTION
        batch, steps, _ = x.shape
        heads = attend(self.split_heads(self.W_q(x)), self.split_heads(self.W_k(x)),
                       self.split_heads(self.W_v(x)), mask)  # B x h x T x d_k
        joined = heads.transpose(1, 2).reshape(batch, steps, self.d_model)
        return self.W_o(joined)
        # END SOLUTION
