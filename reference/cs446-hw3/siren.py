"""Fit one image with a coordinate network (SIREN) and compare activations (section 5).

Run: ``python siren.py -e EPOCHS -b BATCH_SIZE -a {sin,tanh,relu}``. It saves the model to
``siren_<activation>.pt``, the losses to ``siren_<activation>_losses.json`` and a figure to
``siren_<activation>.png``. Report the settings of your run for each activation in
``answers.yaml`` under ``"5.5"``: the grader trains again with them (same code, its own
seed) and judges the final loss, the image, the loss curve and the Laplacian.

Import only torch, the standard library and ``siren_utils`` at the top of this file.
"""

import argparse
import json
import math

import torch
from siren_utils import get_cameraman_tensor, get_coords, plot_results
from torch import nn
from torch.utils.data import DataLoader, Dataset

ACTIVATIONS = ("sin", "tanh", "relu")


class MyDataset(Dataset):
    """Every (coordinate, pixel) pair of the cameraman image at ``sidelength`` x ``sidelength``.

    ``dataset[i]`` is ``(coords[i], pixels[i])``: a float tensor of shape ``(2,)`` (row and
    column in [-1, 1]) and one of shape ``(1,)`` (the grey level in [-1, 1]), for flat pixel
    ``i = row * sidelength + column``.
    """

    def __init__(self, sidelength):
        super().__init__()
        self.sidelength = sidelength
        self.pixels = get_cameraman_tensor(sidelength).reshape(-1, 1)
        self.coords = get_coords(sidelength)

    def __len__(self):
        return self.sidelength * self.sidelength

    def __getitem__(self, idx):
        # BEGIN SOLUTION
        return self.coords[idx], self.pixels[idx]
        # END SOLUTION


class SingleLayer(nn.Module):
    """A linear layer followed by an activation: ``act(omega * linear(x))``.

    ``activation`` is ``"sin"`` (``omega = 30``), ``"tanh"`` or ``"relu"`` (``omega = 1``).
    Weights: the first layer (``is_first``) uniform in
    ``[-1/sqrt(in_features), 1/sqrt(in_features)]``; every other layer uniform in
    ``[-sqrt(6/in_features)/omega, sqrt(6/in_features)/omega]`` (``in_features`` is the
    hidden size there). Keep ``self.linear`` (an ``nn.Linear``) and ``self.omega``.
    """

    def __init__(self, in_features, out_features, activation, bias, is_first):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        self.activation = activation
        self.is_first = is_first
        # BEGIN SOLUTION
        self.omega = 30.0 if activation == "sin" else 1.0
        self.linear = nn.Linear(in_features, out_features, bias=bias)
        if is_first:
            bound = 1.0 / math.sqrt(in_features)
        else:
            bound = math.sqrt(6.0 / in_features) / self.omega
        with torch.no_grad():
            self.linear.weight.uniform_(-bound, bound)
        # END SOLUTION

    def forward(self, input):
        # BEGIN SOLUTION
        z = self.omega * self.linear(input)
        if self.activation == "sin":
            return torch.sin(z)
        if self.activation == "tanh":
            return torch.tanh(z)
        return torch.relu(z)
        # END SOLUTION


class Siren(nn.Module):
    """First ``SingleLayer`` (``is_first=True``), ``hidden_layers`` more ``SingleLayer``s of
    ``hidden_features``, then a linear output layer initialised like a hidden layer."""

    def __init__(self, in_features=2, out_features=1, hidden_features=32, hidden_layers=7, activation="sin"):
        super().__init__()
        layers = [SingleLayer(in_features, hidden_features, activation, bias=True, is_first=True)]
        for _ in range(hidden_layers):
            layers.append(SingleLayer(hidden_features, hidden_features, activation, bias=True, is_first=False))
        final = nn.Linear(hidden_features, out_features)
        omega = 30.0 if activation == "sin" else 1.0
        bound = math.sqrt(6.0 / hidden_features) / omega
        with torch.no_grad():
            final.weight.uniform_(-bound, bound)
        layers.append(final)
        self.net = nn.Sequential(*layers)

    def forward(self, coords):
        return self.net(coords)


def train(total_epochs, batch_size, activation, hidden_size=32, hidden_layer=7, save=True):
    """Fit a ``Siren`` to the 256 x 256 cameraman with Adam and the MSE loss.

    Returns ``(model, losses)``: the trained model and the mean training loss of each epoch
    (a list of ``total_epochs`` floats). With ``save``, writes ``siren_<activation>.pt``
    (the state dict) and ``siren_<activation>_losses.json``.
    """
    dataset = MyDataset(sidelength=256)
    dataloader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
    model = Siren(in_features=2, out_features=1, hidden_features=hidden_size,
                  hidden_layers=hidden_layer, activation=activation)
    # BEGIN SOLUTION: learning_rate = None  # 5.3: set it
    learning_rate = 1e-4 if activation == "sin" else 3e-3
    # END SOLUTION
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    criterion = nn.MSELoss()
    losses = []
    # BEGIN SOLUTION
    # learning-rate decay (5.7): cosine from learning_rate down to 1% of it
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(total_epochs, 1),
                                                           eta_min=learning_rate / 100)
    for _ in range(total_epochs):
        total, count = 0.0, 0
        for coords, pixels in dataloader:
            optimizer.zero_grad()
            loss = criterion(model(coords), pixels)
            loss.backward()
            optimizer.step()
            total += loss.item() * coords.shape[0]
            count += coords.shape[0]
        losses.append(total / count)
        scheduler.step()
    # END SOLUTION
    if save:
        torch.save(model.state_dict(), f"siren_{activation}.pt")
        with open(f"siren_{activation}_losses.json", "w") as f:
            json.dump({"learning_rate": learning_rate, "batch_size": batch_size, "losses": losses}, f)
    return model, losses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-e", "--epochs", type=int, default=10, help="total number of epochs")
    parser.add_argument("-b", "--batch_size", type=int, default=256, help="batch size")
    parser.add_argument("-a", "--activation", choices=ACTIVATIONS, default="sin")
    args = parser.parse_args()
    model, losses = train(args.epochs, args.batch_size, args.activation)
    print(f"{args.activation}: final loss {losses[-1]:.5f} after {args.epochs} epochs")
    plot_results(model, losses, title=f"{args.activation}, batch {args.batch_size}",
                 path=f"siren_{args.activation}.png")


if __name__ == "__main__":
    main()
