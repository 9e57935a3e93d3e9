"""Two small CNNs for MNIST (Problems 1b and 1c).

Both are ``conv (1 -> 4 filters, 3 x 3, stride 1, padding 1) -> ReLU -> flatten ->
Linear(4 * input_size * input_size, num_classes)``; the layers are ``self.conv`` and
``self.fc`` (the grader looks for those names). ``forward`` takes ``N x 1 x H x W``
images and returns ``N x num_classes`` logits (no softmax: the loss is cross-entropy).
"""

import torch
from torch import nn


class CNN(nn.Module):
    """The CNN whose four filters are learned (1b): at least 96% test accuracy after 5 epochs."""

    def __init__(self, num_classes=10, input_size=28):
        super().__init__()
        raise NotImplementedError("CNN.__init__: write this part")

    def forward(self, x):
        raise NotImplementedError("CNN.forward: write this part")


#: four hand-picked 3 x 3 filters (1c): vertical and horizontal edges, and the two diagonals
MANUAL_FILTERS = [
    # fill in four 3 x 3 filters
]


class ManualCNN(nn.Module):
    """The same network with the four filters set by hand and frozen (1c): only ``fc`` trains.

    Set ``self.conv.weight.data`` (``4 x 1 x 3 x 3``) from your filters and keep
    ``self.conv.weight.requires_grad = False``: at least 94% test accuracy.
    """

    def __init__(self, num_classes=10, input_size=28):
        super().__init__()
        raise NotImplementedError("ManualCNN.__init__: write this part")
        self.conv.weight.requires_grad = False

    def forward(self, x):
        raise NotImplementedError("ManualCNN.forward: write this part")
