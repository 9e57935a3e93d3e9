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
        # BEGIN SOLUTION
        self.conv1 = nn.Conv2d(num_channels, num_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(num_channels)
        # END SOLUTION

    def forward(self, x):
        """``x``: ``(N, C, H, W)``; returns a tensor of the same shape."""
        # BEGIN SOLUTION
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(x + out)
        # END SOLUTION


class ResNet(nn.Module):
    """conv (1 -> C, kernel 3, stride 2, padding 1, no bias) - BN - ReLU - max-pool 2 -
    ``Block(C)`` - global average pool - linear (C -> ``num_classes``).
    """

    def __init__(self, num_channels, num_classes=10):
        super().__init__()
        # BEGIN SOLUTION
        self.conv = nn.Conv2d(1, num_channels, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(num_channels)
        self.pool = nn.MaxPool2d(2)
        self.block = Block(num_channels)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(num_channels, num_classes)
        # END SOLUTION

    def forward(self, x):
        """``x``: ``(N, 1, H, W)``; returns logits ``(N, num_classes)``."""
        # BEGIN SOLUTION
        out = self.pool(torch.relu(self.bn(self.conv(x))))
        out = self.avgpool(self.block(out))
        return self.fc(torch.flatten(out, 1))
        # END SOLUTION
