"""A 2-D convolution written from scratch (Problem 1a).

Both classes compute what ``torch.nn.functional.conv2d`` computes (a cross-correlation)
for inputs of shape ``N x C_in x H x W``::

    out[n, o, i, j] = bias[o] + sum_{c, u, v} filters[o, c, u, v] * x_pad[n, c, i*s + u, j*s + v]

with ``x_pad`` the input zero-padded by ``padding`` on every side and ``s`` the stride.
The output is ``N x C_out x H_out x W_out`` with ``H_out = (H + 2p - kH) // s + 1``.

Rules: no library convolution in this file (``torch.nn.functional.conv2d``,
``nn.Conv2d``, ``torch.conv2d``, ``torch.nn.grad``, ``unfold``/``fold`` layers are fine
to avoid too): build it from tensor operations. ``FasterConv2d`` must be more than 2x
faster than ``Conv2d`` on a batch of 16 images of 28 x 28 (``benchmark_conv2d.py``).
"""

import math

import torch
from torch import nn


def _pair(value):
    """``3 -> (3, 3)``; ``(3, 5)`` stays: filters may be non-square."""
    if isinstance(value, int):
        return (value, value)
    first, second = value
    return (int(first), int(second))


class Conv2d(nn.Module):
    """Convolution with explicit loops over output positions (the clear, slow version).

    ``filters`` (``C_out x C_in x kH x kW``) and ``biases`` (``C_out``) may be given;
    otherwise they are drawn uniformly from ``(-1/sqrt(fan_in), 1/sqrt(fan_in))`` as
    ``nn.Conv2d`` does. They are kept as ``nn.Parameter`` in ``self.filters`` and
    ``self.biases``.
    """

    def __init__(self, in_channels, out_channels, filter_size, padding=0, stride=1, filters=None, biases=None):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.filter_size = _pair(filter_size)
        self.padding = padding
        self.stride = stride
        k_h, k_w = self.filter_size
        bound = 1.0 / math.sqrt(in_channels * k_h * k_w)
        if filters is None:
            filters = (torch.rand(out_channels, in_channels, k_h, k_w) * 2 - 1) * bound
        if biases is None:
            biases = (torch.rand(out_channels) * 2 - 1) * bound
        self.filters = nn.Parameter(torch.as_tensor(filters, dtype=torch.float32).clone())
        self.biases = nn.Parameter(torch.as_tensor(biases, dtype=torch.float32).clone())

    def output_size(self, height, width):
        """``(H_out, W_out)`` for an input of ``height x width``."""
        k_h, k_w = self.filter_size
        p, s = self.padding, self.stride
        return (height + 2 * p - k_h) // s + 1, (width + 2 * p - k_w) // s + 1

    def forward(self, x):
        # BEGIN SOLUTION
        n, _, height, width = x.shape
        k_h, k_w = self.filter_size
        p, s = self.padding, self.stride
        x = pad_zeros(x, p)
        h_out, w_out = self.output_size(height, width)
        weights = self.filters.reshape(self.out_channels, -1)  # C_out x (C kH kW)
        rows = []
        for i in range(h_out):
            row = []
            for j in range(w_out):
                patch = x[:, :, i * s:i * s + k_h, j * s:j * s + k_w]  # N x C x kH x kW
                row.append(patch.reshape(n, -1) @ weights.T)  # N x C_out
            rows.append(torch.stack(row, dim=-1))  # N x C_out x W_out
        return torch.stack(rows, dim=-2) + self.biases.view(1, -1, 1, 1)
        # END SOLUTION


class FasterConv2d(Conv2d):
    """The same convolution as one matrix product over all patches at once (im2col)."""

    def forward(self, x):
        # BEGIN SOLUTION
        n, c, height, width = x.shape
        k_h, k_w = self.filter_size
        p, s = self.padding, self.stride
        x = pad_zeros(x, p).contiguous()
        h_out, w_out = self.output_size(height, width)
        sn, sc, sh, sw = x.stride()
        # a view N x C x kH x kW x H_out x W_out of every patch, without copying
        patches = x.as_strided((n, c, k_h, k_w, h_out, w_out), (sn, sc, sh, sw, sh * s, sw * s))
        columns = patches.reshape(n, c * k_h * k_w, h_out * w_out)
        out = self.filters.reshape(self.out_channels, -1) @ columns  # N x C_out x (H_out W_out)
        return out.view(n, self.out_channels, h_out, w_out) + self.biases.view(1, -1, 1, 1)
        # END SOLUTION


def pad_zeros(x, padding):
    """``x`` (``N x C x H x W``) with ``padding`` zeros added on all four sides."""
    # BEGIN SOLUTION
    if padding == 0:
        return x
    n, c, height, width = x.shape
    out = x.new_zeros(n, c, height + 2 * padding, width + 2 * padding)
    out[:, :, padding:padding + height, padding:padding + width] = x
    return out
    # END SOLUTION
