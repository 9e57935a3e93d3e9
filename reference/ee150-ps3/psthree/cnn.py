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
        # BEGIN SOLUTION
        self.conv = nn.Conv2d(1, 4, kernel_size=3, stride=1, padding=1)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(4 * input_size * input_size, num_classes)
        # END SOLUTION

    def forward(self, x):
        # BEGIN SOLUTION
        features = self.relu(self.conv(x))
        return self.fc(features.flatten(start_dim=1))
        # END SOLUTION


#: four hand-picked 3 x 3 filters (1c): vertical and horizontal edges, and the two diagonals
MANUAL_FILTERS = [
    # BEGIN SOLUTION: # fill in four 3 x 3 filters
    [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]],   # vertical edges (Sobel x)
    [[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]],   # horizontal edges (Sobel y)
    [[0.0, 1.0, 2.0], [-1.0, 0.0, 1.0], [-2.0, -1.0, 0.0]],   # one diagonal
    [[2.0, 1.0, 0.0], [1.0, 0.0, -1.0], [0.0, -1.0, -2.0]],   # the other diagonal
    # END SOLUTION
]


class ManualCNN(nn.Module):
    """The same network with the four filters set by hand and frozen (1c): only ``fc`` trains.

    Set ``self.conv.weight.data`` (``4 x 1 x 3 x 3``) from your filters and keep
    ``self.conv.weight.requires_grad = False``: at least 94% test accuracy.
    """

    def __init__(self, num_classes=10, input_size=28):
        super().__init__()
        # BEGIN SOLUTION
        self.conv = nn.Conv2d(1, 4, kernel_size=3, stride=1, padding=1)
        self.conv.weight.data = torch.tensor(MANUAL_FILTERS, dtype=torch.float32).unsqueeze(1)
        self.conv.bias.data.zero_()
        self.relu = nn.ReLU()
        self.fc = nn.Linear(4 * input_size * input_size, num_classes)
        # END SOLUTION
        self.conv.weight.requires_grad = False

    def forward(self, x):
        # BEGIN SOLUTION
        features = self.relu(self.conv(x))
        return self.fc(features.flatten(start_dim=1))
        # END SOLUTION
