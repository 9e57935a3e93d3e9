"""Fit one image with a coordinate network (SIREN) and compare activations (section 5).

Run: ``python siren.py -e TOTAL_EPOCHS -b BATCH_SIZE -a {sin,tanh,relu}``, as the course's
starter has it. ``train`` saves the trained model's state dict to ``siren_model.p`` in the
working folder and shows the output, gradient, Laplacian and loss curve.

How it is graded: the grader calls your ``train(total_epochs, batch_size, activation)`` with
settings it chooses to fit its time budget (the learning rate and optimiser are yours), reads
the ``siren_model.p`` it writes, and judges that model in its own copy of the provided
``Siren``: the image's loss and PSNR, the loss curve of your figure, the ReLU Laplacian.
``siren_utils.py`` is the course's helper: the grader uses its own copy of it.
"""

import argparse

import matplotlib.pyplot as plt
import torch
from siren_utils import get_cameraman_tensor, get_coords, model_results
from torch import nn
from torch.utils.data import DataLoader, Dataset

ACTIVATIONS = {"relu": torch.relu, "sin": torch.sin, "tanh": torch.tanh}


class SingleLayer(nn.Module):
    """A linear layer followed by an activation: ``activation(omega * linear(x))``.

    ``activation``: ``"sin"`` (omega = 30), ``"tanh"``, ``"relu"`` (omega = 1), or ``None``
    (the output layer: no activation, omega = 1); anything else raises ``ValueError``.
    Weights: the first layer (``is_first``) uniform in [-1/in_features, 1/in_features];
    every other layer uniform in [-sqrt(6/in_features)/omega, sqrt(6/in_features)/omega].
    """

    def __init__(self, in_features, out_features, activation, bias, is_first):
        super().__init__()
        # BEGIN SOLUTION: # TODO: create your single linear layer with the provided input features, output features, and bias
        self.in_features = in_features
        self.is_first = is_first
        self.linear = nn.Linear(in_features, out_features, bias=bias)
        # END SOLUTION
        if activation is None:
            self.torch_activation = nn.Identity()
        elif activation not in ACTIVATIONS:
            raise ValueError("Invalid activation")
        else:
            self.torch_activation = ACTIVATIONS[activation]
        self.omega = 30.0 if activation == "sin" else 1.0
        self.init_weights()

    def init_weights(self):
        with torch.no_grad():
            # BEGIN SOLUTION: pass  # TODO: the initialisation above
            if self.is_first:
                bound = 1.0 / self.in_features
            else:
                bound = (6.0 / self.in_features) ** 0.5 / self.omega
            self.linear.weight.uniform_(-bound, bound)
            # END SOLUTION

    def forward(self, input):
        # BEGIN SOLUTION: pass  # TODO: linear, times omega, then the activation
        return self.torch_activation(self.omega * self.linear(input))
        # END SOLUTION


class Siren(nn.Module):
    """Provided: a first SingleLayer, ``hidden_layers`` hidden ones, a linear output layer."""

    def __init__(self, in_features, out_features, hidden_features, hidden_layers, activation):
        super().__init__()
        layers = [SingleLayer(in_features, hidden_features, activation, bias=True, is_first=True)]
        for _ in range(hidden_layers):
            layers.append(SingleLayer(hidden_features, hidden_features, activation, bias=True, is_first=False))
        layers.append(SingleLayer(hidden_features, out_features, activation=None, bias=False, is_first=False))
        self.net = nn.Sequential(*layers)

    def forward(self, coords):
        return self.net(coords)


class MyDataset(Dataset):
    """Every (coordinates, pixel) pair of the cameraman at ``sidelength`` x ``sidelength``."""

    def __init__(self, sidelength):
        super().__init__()
        self.sidelength = sidelength
        self.cameraman_img = get_cameraman_tensor(sidelength)
        self.coords = get_coords(sidelength)

    def __len__(self):
        return len(self.coords)

    def __getitem__(self, idx):
        # BEGIN SOLUTION: raise NotImplementedError  # TODO: return the model input (coords) and output (pixel)
        return self.coords[idx], self.cameraman_img[idx]
        # END SOLUTION


def train(total_epochs, batch_size, activation, hidden_size=32, hidden_layer=7):
    dataset = MyDataset(sidelength=256)
    dataloader = DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True)
    siren_model = Siren(in_features=2, out_features=1, hidden_features=hidden_size,
                        hidden_layers=hidden_layer, activation=activation)
    # BEGIN SOLUTION: learning_rate = 1.0  # TODO(3): 10^-k for k = 2, 3 or 4
    learning_rate = 1e-3
    # END SOLUTION
    optim = torch.optim.Adam(lr=learning_rate, params=siren_model.parameters())
    losses = []
    for epoch in range(total_epochs):
        epoch_loss = 0
        for batch in dataloader:
            # BEGIN SOLUTION: # TODO(4): the model's output and the loss of this batch
            coords, pixels = batch
            model_output = siren_model(coords)
            loss = ((model_output - pixels) ** 2).mean()
            # END SOLUTION
            optim.zero_grad()
            loss.backward()
            optim.step()
            epoch_loss += loss.item()
        losses.append(epoch_loss / len(dataloader))
        print(f"epoch {epoch + 1}/{total_epochs}: loss {losses[-1]:.5f}")
    torch.save(siren_model.state_dict(), "siren_model.p")
    output, grad, laplacian = model_results(siren_model)
    fig, axes = plt.subplots(1, 4, figsize=(16, 4))
    axes[0].imshow(output, cmap="gray")
    axes[1].imshow(grad, cmap="gray")
    axes[2].imshow(laplacian, cmap="gray")
    axes[3].plot(losses)
    plt.show()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("-e", "--total_epochs", required=True, type=int)
    parser.add_argument("-b", "--batch_size", required=True, type=int)
    parser.add_argument("-a", "--activation", required=True, choices=["relu", "sin", "tanh"])
    args = parser.parse_args()
    train(args.total_epochs, args.batch_size, args.activation)
