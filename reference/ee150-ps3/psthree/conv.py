"""A 2-D convolution written from scratch (Problem 1a), as the course's ``psthree/conv.py`` has it.

Both classes take the course's constructor ``(in_channels, out_channels, filter_size,
padding=0, stride=1, filters=None, biases=None)``: ``filter_size``, ``padding`` and
``stride`` are single ints (square filters, the same padding and stride on both axes).
The filters (``C_out x C_in x F x F``) and biases (``C_out``) are ``nn.Parameter``s named
``self.filters`` and ``self.biases``. You write ``convolution(x, filters)``, the
cross-correlation ``torch.nn.functional.conv2d`` computes, *without* the bias::

    out[n, o, i, j] = sum_{c, u, v} filters[o, c, u, v] * x_pad[n, c, i*S + u, j*S + v]

with ``x_pad`` the input zero-padded by ``P`` on every side, for an output of
``N x C_out x H_out x W_out``, ``H_out = (H + 2P - F) // S + 1`` (``W_out`` likewise;
``H`` and ``W`` may differ). ``forward`` (given) adds the biases.

Rules: no library convolution in this file (``torch.nn.functional.conv2d``, ``nn.Conv2d``,
``torch.conv2d``, ``torch.nn.grad``, ``unfold``): build it from tensor operations.
``FasterConv2d`` must be more than 2x faster than ``Conv2d`` (the course's
``test_FasterConv2d_speedup``).
"""

import torch
from torch import nn


class Conv2d(nn.Module):
    """The clear, slow version: loops over the output positions."""

    def __init__(self, in_channels, out_channels, filter_size, padding=0, stride=1, filters=None, biases=None):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.filter_size = filter_size
        self.padding = padding
        self.stride = stride
        if filters is None:
            filters = torch.randn(out_channels, in_channels, filter_size, filter_size)
        if biases is None:
            biases = torch.randn(out_channels)
        self.filters = nn.Parameter(torch.as_tensor(filters, dtype=torch.float32).clone())
        self.biases = nn.Parameter(torch.as_tensor(biases, dtype=torch.float32).clone())

    def convolution(self, x, filters):
        # BEGIN SOLUTION
        batch, _, height, width = x.shape
        out_channels, _, size, _ = filters.shape
        p, s = int(self.padding), int(self.stride)
        h_out, w_out = (height + 2 * p - size) // s + 1, (width + 2 * p - size) // s + 1
        padded = pad_zeros(x, p)
        output = torch.zeros(batch, out_channels, h_out, w_out, dtype=x.dtype)
        for i in range(h_out):
            for j in range(w_out):
                patch = padded[:, :, i * s:i * s + size, j * s:j * s + size]  # B x C x F x F
                output[:, :, i, j] = patch.reshape(batch, -1) @ filters.reshape(out_channels, -1).T
        return output
        # END SOLUTION

    def forward(self, x):
        return self.convolution(x, self.filters) + self.biases.view(1, -1, 1, 1)


class FasterConv2d(Conv2d):
    """The same convolution as one matrix product over all patches at once (im2col)."""

    def convolution(self, x, filters):
        # BEGIN SOLUTION
        batch, channels, height, width = x.shape
        out_channels, _, size, _ = filters.shape
        p, s = int(self.padding), int(self.stride)
        h_out, w_out = (height + 2 * p - size) // s + 1, (width + 2 * p - size) // s + 1
        padded = pad_zeros(x, p).contiguous()
        sb, sc, sh, sw = padded.stride()
        # a view B x C x F x F x H_out x W_out of every patch, without copying
        patches = padded.as_strided((batch, channels, size, size, h_out, w_out), (sb, sc, sh, sw, sh * s, sw * s))
        columns = patches.reshape(batch, channels * size * size, h_out * w_out)
        output = filters.reshape(out_channels, -1) @ columns  # B x C_out x (H_out W_out)
        return output.view(batch, out_channels, h_out, w_out)
        # END SOLUTION


def pad_zeros(x, padding):
    """``x`` (``B x C x H x W``) with ``padding`` zeros added on all four sides."""
    # BEGIN SOLUTION
    if padding == 0:
        return x
    batch, channels, height, width = x.shape
    out = x.new_zeros(batch, channels, height + 2 * padding, width + 2 * padding)
    out[:, :, padding:padding + height, padding:padding + width] = x
    return out
    # END SOLUTION
