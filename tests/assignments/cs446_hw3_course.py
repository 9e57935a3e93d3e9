"""cs446-hw3 submissions written the way the course's students write them (a data module).

Each ``CourseSubmission`` is a whole submission folder written against the Spring 2024
starter (``shared/assignments/REAL_INTERFACES.md``, section 4), not against our reference:
``resnet.py`` (or ``hw3.py``, the handout's name), the starter's ``siren.py`` with its
provided ``ACTIVATIONS``, ``Siren``, ``MyDataset.__init__`` and CLI, ``train`` saving
``siren_model.p`` and returning nothing, the helper ``siren_utils.py`` as the course hands
it out (importing scikit-image; ours, written to its interface) or left out. The styles real
students used: the linear layer as ``self.linear``, ``self.layer`` or raw parameters used as
``x @ W``, either first-layer bound, Adam or SGD at any of the handout's rates, Sequential
blocks; and their mistakes: ``(pixel, coords)`` from ``__getitem__``, no omega, the default
init, a loss without the square, ``num_classes`` ignored.

``expected`` is the score of each graded item; ``graded`` the items the test grades (the
SIREN runs cost real training, so each submission trains only the activations its style
can change; the other items are cheap and always graded).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["CODE_ITEMS", "CourseSubmission", "SUBMISSIONS", "training"]

#: the automatic items that need no training, at full marks
CODE_ITEMS = {"4.1": 5.0, "4.3": 5.0, "5.1": 1.0, "5.2": 1.0}
_TRAINING = {"sin": {"5.5.sin": 2.0}, "tanh": {"5.5.tanh": 2.0},
             "relu": {"5.5.relu": 2.0, "5.5.relu_laplacian": 1.0}}


def training(*activations: str) -> dict[str, float]:
    """Full marks of the training items of these activations."""
    return {k: v for a in activations for k, v in _TRAINING[a].items()}


class CourseSubmission(NamedTuple):
    id: str
    files: dict[str, str]
    #: points of each graded item
    expected: dict[str, float]
    why: str


# ------------------------------------------------------------------------------ resnet.py
RESNET_NAMED = '''import torch.nn as nn


class Block(nn.Module):
    """A basic block of ResNet."""

    def __init__(self, num_channels):
        """Initialize a building block for ResNet.

        Argument:
            num_channels: the number of channels of the input to Block, and is also
                          the number of channels of conv layers of Block.
        """
        super(Block, self).__init__()
        self.conv1 = nn.Conv2d(num_channels, num_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, x):
        """
        The input will have shape (N, num_channels, H, W),
        where N is the batch size, and H and W give the shape of each channel.

        The output should have the same shape as input.
        """
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + x)


class ResNet(nn.Module):
    """A simplified ResNet."""

    def __init__(self, num_channels, num_classes=10):
        """Initialize a shallow ResNet.

        Arguments:
            num_channels: the number of output channels of the conv layer
                          before the building block, and also
                          the number of channels of the building block.
            num_classes: the number of output units.
        """
        super(ResNet, self).__init__()
        self.conv1 = nn.Conv2d(1, num_channels, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(2)
        self.block = Block(num_channels)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(num_channels, num_classes)

    def forward(self, x):
        """
        The input will have shape (N, 1, H, W),
        where N is the batch size, and H and W give the shape of each channel.

        The output should have shape (N, 10).
        """
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.avgpool(self.block(x))
        x = x.view(x.size(0), -1)
        return self.fc(x)
'''

#: Sequential style, the Block inside the ResNet's Sequential, functional ReLU
RESNET_SEQUENTIAL = '''import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, num_channels):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(num_channels, num_channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(num_channels),
            nn.ReLU(),
            nn.Conv2d(num_channels, num_channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(num_channels),
        )

    def forward(self, x):
        return F.relu(x + self.f(x))


class ResNet(nn.Module):
    def __init__(self, num_channels, num_classes=10):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(1, num_channels, 3, 2, 1, bias=False),
            nn.BatchNorm2d(num_channels),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2),
            Block(num_channels),
            nn.AdaptiveAvgPool2d(1),
        )
        self.linear = nn.Linear(num_channels, num_classes)

    def forward(self, x):
        return self.linear(torch.flatten(self.layers(x), start_dim=1))
'''

RESNET_TEN_CLASSES = RESNET_NAMED.replace("self.fc = nn.Linear(num_channels, num_classes)",
                                          "self.fc = nn.Linear(num_channels, 10)")

# ------------------------------------------------------------------------------ siren.py
SIREN_HEAD = '''import argparse

import matplotlib.pyplot as plt
import torch
from siren_utils import get_cameraman_tensor, get_coords, model_results
from torch import nn
from torch.utils.data import DataLoader, Dataset

ACTIVATIONS = {
    "relu": torch.relu,
    "sin": torch.sin,
    "tanh": torch.tanh
}
'''

#: the starter's SingleLayer with the student's layer and init put in: {make}, {init}, {forward}
SINGLE_LAYER = '''

class SingleLayer(nn.Module):
    def __init__(self, in_features, out_features, activation, bias, is_first):
        super().__init__()
        # TODO: create your single linear layer with the provided input features, output features, and bias
{make}
        # self.torch_activation will contain the appropriate activation function that you should use
        if activation is None:
            self.torch_activation = nn.Identity()  # no-op
        elif not activation in ACTIVATIONS:
            raise ValueError("Invalid activation")
        else:
            self.torch_activation = ACTIVATIONS[activation]
        # self.omega will be a constant factor used for scaling your initialization
        self.omega = 30.0 if activation == "sin" else 1.0
        self.init_weights()

    def init_weights(self):
        # TODO: initialize the weights of your linear layer
        # - First layer params should be initialized in:
        #     UNIFORM(-1/input_features, 1/input_features)
        # - Every other layer params should be initialized in:
        #     UNIFORM(-\\sqrt{{6}}/(input_features*omega), \\sqrt{{6}}/(input_features*omega))
        with torch.no_grad():
{init}

    def forward(self, input):
        # TODO: pass the input through your linear layer, multiply by omega, then apply activation
{forward}
'''

LINEAR_MAKE = '''        self.in_features = in_features
        self.is_first = is_first
        self.linear = nn.Linear(in_features, out_features, bias=bias)'''
LINEAR_INIT_1_OVER_IN = '''            if self.is_first:
                self.linear.weight.uniform_(-1 / self.in_features, 1 / self.in_features)
            else:
                bound = (6 / self.in_features) ** 0.5 / self.omega
                self.linear.weight.uniform_(-bound, bound)'''
LINEAR_FORWARD = '''        return self.torch_activation(self.omega * self.linear(input))'''

#: ``self.layer``, bound 1/sqrt(in) (the handout's text), math imported inside
LAYER_MAKE = '''        import math
        self.n_in = in_features
        self.first = is_first
        self.layer = nn.Linear(in_features, out_features, bias)'''
LAYER_INIT_1_OVER_SQRT = '''            import math
            if self.first:
                b = 1 / math.sqrt(self.n_in)
            else:
                b = math.sqrt(6 / self.n_in) / self.omega
            nn.init.uniform_(self.layer.weight, -b, b)'''
LAYER_FORWARD = '''        x = self.layer(input)
        x = x * self.omega
        return self.torch_activation(x)'''

#: raw parameters used as ``x @ W`` (W of shape (in, out)), bias initialised with the same bound
RAW_MAKE = '''        self.is_first = is_first
        self.fan_in = in_features
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.empty(out_features)) if bias else None'''
RAW_INIT = '''            bound = 1 / self.fan_in if self.is_first else (6 / self.fan_in) ** 0.5 / self.omega
            self.weight.uniform_(-bound, bound)
            if self.bias is not None:
                self.bias.uniform_(-bound, bound)'''
RAW_FORWARD = '''        out = input @ self.weight
        if self.bias is not None:
            out = out + self.bias
        return self.torch_activation(self.omega * out)'''

SIREN_PROVIDED = '''

class Siren(nn.Module):
    def __init__(self, in_features, out_features, hidden_features, hidden_layers, activation):
        super().__init__()
        self.net = []
        self.net.append(SingleLayer(in_features, hidden_features, activation, bias=True, is_first=True))
        for i in range(hidden_layers):
            self.net.append(SingleLayer(hidden_features, hidden_features, activation, bias=True, is_first=False))
        self.net.append(SingleLayer(hidden_features, out_features, activation=None, bias=False, is_first=False))
        self.net = nn.Sequential(*self.net)

    def forward(self, coords):
        return self.net(coords)


class MyDataset(Dataset):
    def __init__(self, sidelength) -> None:
        super().__init__()
        self.sidelength = sidelength
        self.cameraman_img = get_cameraman_tensor(sidelength)
        self.coords = get_coords(sidelength)

    def __len__(self):
        return len(self.coords)

    def __getitem__(self, idx):
        # TODO: return the model input (coords) and output (pixel) corresponding to idx
{getitem}
'''
GETITEM = '''        return self.coords[idx], self.cameraman_img[idx]'''
GETITEM_SWAPPED = '''        return self.cameraman_img[idx], self.coords[idx]'''

TRAIN = '''

def train(total_epochs, batch_size, activation, hidden_size=32, hidden_layer=7):
    # TODO(1): finish the implementation of the MyDataset class
    dataset = MyDataset(sidelength=256)
    dataloader = DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True)
    # TODO(2): implement SingleLayer class which is used by the Siren model
    siren_model = Siren(in_features=2, out_features=1, hidden_features=hidden_size,
                        hidden_layers=hidden_layer, activation=activation)
    # TODO(3): set the learning rate for your optimizer
    learning_rate = {lr}
    # 1.0 is usually too large, a common setting is 10^{{-k}} for k=2, 3, or 4
    # TODO: try other optimizers such as torch.optim.SGD and see how they perform
    optim = torch.optim.{optimizer}(lr=learning_rate, params=siren_model.parameters())
    losses = []  # Track losses to make plot at end
    for epoch in range(total_epochs):
        epoch_loss = 0
        for batch in dataloader:
            # TODO(4): prepare the model input and the ground truth output
            {unpack}
            model_output = siren_model(model_input)
            loss = {loss}
            optim.zero_grad()
            loss.backward()
            optim.step()
            epoch_loss += loss.item()
        epoch_loss /= len(dataloader)
        print("Epoch: {{}}, loss: {{:4.5f}}".format(epoch, epoch_loss))
        losses.append(epoch_loss)

    torch.save(siren_model.state_dict(), "siren_model.p")

    # Example code for visualizing results
    fig, ax = plt.subplots(1, 4, figsize=(16, 4))
    model_output, grad, lap = model_results(siren_model)
    ax[0].imshow(model_output, cmap="gray")
    ax[1].imshow(grad, cmap="gray")
    ax[2].imshow(lap, cmap="gray")
    ax[3].plot(losses)
    ax[3].set_title("loss")
    plt.show()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Siren")
    parser.add_argument("-e", "--total_epochs", required=True, type=int)
    parser.add_argument("-b", "--batch_size", required=True, type=int)
    parser.add_argument("-a", "--activation", required=True, choices=["relu", "sin", "tanh"])
    args = parser.parse_args()
    train(args.total_epochs, args.batch_size, args.activation)
'''
UNPACK = "model_input, ground_truth = batch"
UNPACK_SWAPPED = "ground_truth, model_input = batch"
MSE = "nn.functional.mse_loss(model_output, ground_truth)"
MSE_BY_HAND = "((model_output - ground_truth) ** 2).mean()"
NO_SQUARE = "(model_output - ground_truth).mean()"


def siren(make: str = LINEAR_MAKE, init: str = LINEAR_INIT_1_OVER_IN, forward: str = LINEAR_FORWARD,
          getitem: str = GETITEM, lr: str = "1e-4", optimizer: str = "Adam", unpack: str = UNPACK,
          loss: str = MSE) -> str:
    """A whole course-style siren.py from the student's parts."""
    return (SIREN_HEAD + SINGLE_LAYER.format(make=make, init=init, forward=forward)
            + SIREN_PROVIDED.format(getitem=getitem)
            + TRAIN.format(lr=lr, optimizer=optimizer, unpack=unpack, loss=loss))


#: the course's helper as a student submits it untouched: scikit-image, PIL, torchvision
#: (our own file with the course's imports and functions; the grader replaces it anyway)
COURSE_HELPER = '''import numpy as np
import skimage
import torch
from PIL import Image
from torchvision.transforms import Compose, Normalize, Resize, ToTensor


def get_coords(sidelength, dim=2):
    tensors = tuple(dim * [torch.linspace(-1, 1, steps=sidelength)])
    grid = torch.stack(torch.meshgrid(*tensors, indexing="ij"), dim=-1)
    return grid.reshape(-1, dim)


def get_cameraman_tensor(sidelength):
    img = Image.fromarray(skimage.data.camera())
    pipeline = Compose([Resize(sidelength), ToTensor(), Normalize(torch.Tensor([0.5]), torch.Tensor([0.5]))])
    return pipeline(img).permute(1, 2, 0).view(-1, 1)


def model_results(model):
    coords = get_coords(256).requires_grad_(True)
    out = model(coords)
    (grad,) = torch.autograd.grad(out.sum(), coords, create_graph=True)
    lap = sum(torch.autograd.grad(grad[:, d].sum(), coords, create_graph=True)[0][:, d] for d in range(2))
    view = lambda t: t.detach().reshape(256, 256).numpy()
    return view(out), view(grad.norm(dim=-1)), view(lap)
'''

ANSWERS_PLACEHOLDER = '"1.5": "no"\n'


def _files(resnet_name: str, resnet: str, siren_text: str, helper: bool = True) -> dict[str, str]:
    files = {resnet_name: resnet, "siren.py": siren_text, "answers.yaml": ANSWERS_PLACEHOLDER}
    if helper:
        files["siren_utils.py"] = COURSE_HELPER
    return files


def _full(*activations: str, **changes: float) -> dict[str, float]:
    expected = {**CODE_ITEMS, **training(*activations)}
    expected.update({k.replace("_", "."): v for k, v in changes.items()})
    return expected


SUBMISSIONS: tuple[CourseSubmission, ...] = (
    CourseSubmission(
        "resnet_py_linear_adam", _files("resnet.py", RESNET_NAMED, siren()), _full("sin", "tanh", "relu"),
        "the Spring 2024 starter filled in: resnet.py, self.linear, the starter's 1/in bound, Adam at 1e-4 "
        "(the grader's rate per activation), the helper untouched: every automatic point"),
    CourseSubmission(
        "hw3_py_sequential_sgd", _files("hw3.py", RESNET_SEQUENTIAL,
                                        siren(LAYER_MAKE, LAYER_INIT_1_OVER_SQRT, LAYER_FORWARD, lr="1e-2",
                                              optimizer="SGD", loss=MSE_BY_HAND), helper=False),
        _full("tanh", "relu"),
        "the handout's hw3.py with Sequential layers (the Block inside the ResNet's Sequential), self.layer, "
        "the text's 1/sqrt(in) bound, SGD at 1e-2, MSE by hand, no helper submitted: full marks"),
    CourseSubmission(
        "raw_parameters_x_at_w", _files("resnet.py", RESNET_NAMED,
                                        siren(RAW_MAKE, RAW_INIT, RAW_FORWARD, lr="1e-3", optimizer="Adam")),
        _full("sin", "relu"),
        "raw nn.Parameters used as x @ W (W is (in, out), read the right way round even for square layers)"),
    CourseSubmission(
        "pixel_coords_order", _files("resnet.py", RESNET_NAMED,
                                     siren(getitem=GETITEM_SWAPPED, unpack=UNPACK_SWAPPED, lr="1e-2")),
        _full("sin", **{"5_1": 0.25}),
        "__getitem__ returns (pixel, coords), unpacked the same way in train: 5.1 keeps only its length "
        "test (1 of 4), training is unharmed"),
    CourseSubmission(
        "no_omega", _files("resnet.py", RESNET_NAMED,
                           siren(forward="        return self.torch_activation(self.linear(input))")),
        _full("sin", **{"5_2": 0.9, "5_5_sin": 0.0}),
        "forward without omega: 5.2's sin forward test fails, and the sin run's weights, judged in the "
        "course's Siren (omega 30), give no image"),
    CourseSubmission(
        "default_init", _files("resnet.py", RESNET_NAMED, siren(init="            pass")),
        _full("sin", **{"5_2": 0.7, "5_5_sin": 0.0}),
        "init_weights left empty (PyTorch's default, U(+-1/sqrt(in))): the first layer passes (the text's "
        "bound), the 3 hidden-layer tests fail; sin does not train (loss 0.33)"),
    CourseSubmission(
        "loss_without_square", _files("resnet.py", RESNET_NAMED, siren(loss=NO_SQUARE, lr="1e-3")),
        _full("relu", **{"5_5_relu": 0.0}),
        "loss = mean(output - target): it falls without bound and the image is lost; the relu "
        "Laplacian is still empty (a real ReLU network)"),
    CourseSubmission(
        "ten_classes_hard_coded", _files("resnet.py", RESNET_TEN_CLASSES, siren()),
        _full(**{"4_3": 5 * 7 / 8}),
        "Linear(C, 10) whatever num_classes says: 1 of 4.3's 8 tests"),
    CourseSubmission(
        "both_names_submitted", {**_files("resnet.py", RESNET_NAMED, siren()), "hw3.py": RESNET_TEN_CLASSES},
        _full(),
        "resnet.py and an old hw3.py: resnet.py is graded, the alias is ignored"),
    CourseSubmission(
        "handout_hw3_py_sgd_1e_4", _files("hw3.py", RESNET_NAMED, siren(lr="1e-4", optimizer="SGD")),
        _full("sin", "tanh"),
        "hw3.py, SGD at 1e-4 in the code (the grader runs SGD at the handout's rate for each activation: "
        "1e-4 for sin, 1e-2 for tanh): full marks"),
)
