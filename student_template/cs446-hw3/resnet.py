"""A shallow ResNet for 1-channel images: ``Block`` (4.1) and ``ResNet`` (4.3).

The Spring 2024 starter's file is ``resnet.py`` (the handout calls it ``hw3.py``; the grader
takes either). The grader builds your modules with the arguments below, copies its own
weights into them layer by layer (by kind and order: the k-th Conv2d, BatchNorm2d, Linear),
and compares their outputs with its own modules, in train and in eval mode. Attribute names
are yours; only the layers and their order matter.
"""

import torch
from torch import nn


class Block(nn.Module):
    """A ResNet basic block: ``relu(x + f(x))`` with ``f`` = conv-BN-ReLU-conv-BN.

    Both convolutions: ``num_channels`` in and out, kernel 3, stride 1, padding 1 and
    ``bias=False`` (the BatchNorm that follows removes any constant, see 4.2).
    """

    def __init__(self, num_channels):
        super().__init__()
        raise NotImplementedError("Block.__init__: write this part")

    def forward(self, x):
        """``x``: ``(N, C, H, W)``; returns a tensor of the same shape."""
        raise NotImplementedError("Block.forward: write this part")


class ResNet(nn.Module):
    """conv (1 -> C, kernel 3, stride 2, padding 1, no bias) - BN - ReLU - max-pool 2 -
    ``Block(C)`` - global average pool - linear (C -> ``num_classes``).
    """

    def __init__(self, num_channels, num_classes=10):
        super().__init__()
        raise NotImplementedError("ResNet.__init__: write this part")

    def forward(self, x):
        """``x``: ``(N, 1, H, W)``; returns logits ``(N, num_classes)``."""
        raise NotImplementedError("ResNet.forward: write this part")
