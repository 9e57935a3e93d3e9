"""Public tests for resnet.py and siren.py: run ``pytest`` in this folder.

They check shapes and the basic contract only. The hidden tests go further: layers and
channels, outputs equal to the grader's modules with the same weights (train and eval mode),
the skip connection, the initialisation laws, the dataset's every pixel, and short runs of
your ``train()`` judged in the grader's own copy of the course's Siren.
"""

import pytest
import torch
from resnet import Block, ResNet
from siren import MyDataset, SingleLayer, Siren


def test_block_keeps_shape():
    assert Block(4)(torch.randn(2, 4, 8, 8)).shape == (2, 4, 8, 8)


def test_resnet_logits_shape():
    assert ResNet(8)(torch.randn(3, 1, 28, 28)).shape == (3, 10)


@pytest.mark.parametrize("activation", ["sin", "tanh", "relu", None])
def test_single_layer_shape_and_bound(activation):
    layer = SingleLayer(32, 16, activation, bias=True, is_first=False)
    assert layer(torch.rand(5, 32)).shape == (5, 16)
    omega = 30 if activation == "sin" else 1
    weights = next(p for p in layer.parameters() if p.dim() == 2)
    assert weights.abs().max() <= (6 / 32) ** 0.5 / omega + 1e-6


def test_unknown_activation_raises():
    with pytest.raises(ValueError):
        SingleLayer(4, 4, "softplus", bias=True, is_first=False)


def test_siren_output_shape():
    assert Siren(2, 1, 32, 2, "sin")(torch.rand(7, 2) * 2 - 1).shape == (7, 1)


def test_dataset_item():
    try:
        dataset = MyDataset(32)
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    coords, pixel = dataset[33]
    assert len(dataset) == 32 * 32
    assert coords.shape == (2,) and pixel.shape == (1,)
    assert -1 <= float(pixel) <= 1
