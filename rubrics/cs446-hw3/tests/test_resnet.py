"""4.1 Block and 4.3 ResNet: layout, shapes, and outputs equal to the grader's modules.

Weights travel to the worker as tensors and are copied by layer kind and order (the probe
``load_weights_by_type``), so attribute names are free. ResNet's own layers are judged with
its Block replaced by a 1x1 convolution of known weights (``swap_resnet_block``): a wrong
Block costs 4.1's points only, and a ResNet that skips its block still fails.
"""

import pytest
import torch
from cs446_helpers import Block, ResNet, assert_close, fail, randomise, weights_by_type

from grader.worker.probes import cs446_hw3 as probes

SHAPES_BLOCK = [(2, 4, 8, 8), (3, 16, 5, 7), (1, 8, 6, 6)]
SHAPES_RESNET = [(2, 1, 28, 28), (3, 1, 32, 32), (4, 1, 17, 23)]


def _generator(rng):
    return torch.Generator().manual_seed(int(rng.integers(1 << 31)))


def _layers(description, kind):
    return [d for d in description if d["kind"] == kind]


def _block_with_weights(student, rng, channels):
    reference = Block(channels)
    randomise(reference, _generator(rng))
    block = student.resnet.Block(channels)
    student.probe.load_weights_by_type(block, weights_by_type(reference))
    return reference, block


# ---------------------------------------------------------------------------------- 4.1


def test_block_layers(student):
    layers = student.probe.describe_modules(student.resnet.Block(6))
    convs, bns = _layers(layers, "conv"), _layers(layers, "bn")
    if len(convs) != 2 or len(bns) != 2:
        fail(f"Block(6) should hold 2 Conv2d and 2 BatchNorm2d layers; found {len(convs)} and {len(bns)}")
    for i, conv in enumerate(convs, 1):
        got = (conv["in_channels"], conv["out_channels"], conv["kernel_size"], conv["stride"], conv["padding"])
        if got != (6, 6, [3, 3], [1, 1], [1, 1]):
            fail(f"Block(6) conv #{i}: (in, out, kernel, stride, padding) = {got}; expected "
                 "(6, 6, 3, 1, 1)")
    for i, bn in enumerate(bns, 1):
        if bn["num_features"] != 6:
            fail(f"Block(6) batch norm #{i} has {bn['num_features']} features; expected 6")


def test_block_convs_have_no_bias(student):
    layers = student.probe.describe_modules(student.resnet.Block(6))
    with_bias = [i for i, conv in enumerate(_layers(layers, "conv"), 1) if conv["bias"]]
    if with_bias:
        fail(f"Block conv #{with_bias[0]} has a bias; use bias=False (the BatchNorm after it cancels any bias, 4.2)")


@pytest.mark.parametrize("shape", SHAPES_BLOCK, ids=lambda s: "x".join(map(str, s)))
def test_block_output_shape(student, shape):
    block = student.resnet.Block(shape[1])
    out = student.probe.run_module(block, torch.randn(*shape), True)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != shape:
        fail(f"Block({shape[1]}) on an input of shape {shape} returned "
             f"{tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}; expected the input's shape")


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_block_matches_reference(student, rng, mode):
    reference, block = _block_with_weights(student, rng, 5)
    x = torch.randn(3, 5, 9, 9, generator=_generator(rng))
    want = probes.run_module(reference, x, mode == "train")
    assert_close(student.probe.run_module(block, x, mode == "train"), want, f"Block(5) in {mode} mode")


def test_block_skip_connection(student, rng):
    """With the second convolution zeroed and the last batch norm's shift at 0, f(x) = 0 and
    the block must return relu(x): the identity path alone."""
    reference = Block(4)
    randomise(reference, _generator(rng))
    with torch.no_grad():
        reference.conv2.weight.zero_()
        reference.bn2.bias.zero_()
        reference.bn2.running_mean.zero_()
    block = student.resnet.Block(4)
    student.probe.load_weights_by_type(block, weights_by_type(reference))
    x = torch.randn(2, 4, 6, 6, generator=_generator(rng))
    got = student.probe.run_module(block, x, False)
    if isinstance(got, torch.Tensor) and tuple(got.shape) == tuple(x.shape) and not torch.allclose(
            got, torch.relu(x), atol=1e-5):
        fail("with f(x) = 0 (second conv zeroed) Block(x) should be relu(x + 0) = relu(x); yours is not: "
             "add the input x to f(x) before the last ReLU")
    assert_close(got, torch.relu(x), "Block with f(x) = 0")


# ---------------------------------------------------------------------------------- 4.3


def test_resnet_layers(student):
    model = student.resnet.ResNet(6)
    layers = student.probe.describe_modules(model)
    stem = next((d for d in layers if d["kind"] == "conv" and d["in_channels"] == 1), None)
    if stem is None:
        fail("ResNet(6) has no Conv2d with 1 input channel (the first layer)")
    got = (stem["out_channels"], stem["kernel_size"], stem["stride"], stem["padding"])
    if got != (6, [3, 3], [2, 2], [1, 1]):
        fail(f"ResNet(6) first conv: (out, kernel, stride, padding) = {got}; expected (6, 3, 2, 1)")
    pools = _layers(layers, "maxpool")
    if len(pools) != 1 or pools[0]["kernel_size"] not in (2, [2, 2], (2, 2)):
        fail(f"ResNet(6) should have one MaxPool2d with kernel size 2; found {pools}")
    avg = _layers(layers, "avgpool")
    if len(avg) != 1 or avg[0]["output_size"] not in (1, [1, 1], (1, 1)):
        fail(f"ResNet(6) should have one AdaptiveAvgPool2d to 1 x 1; found {avg}")
    fcs = _layers(layers, "linear")
    if len(fcs) != 1 or (fcs[0]["in_features"], fcs[0]["out_features"]) != (6, 10):
        fail(f"ResNet(6) should end with one Linear(6, 10); found {fcs}")
    if len(_layers(layers, "bn")) != 3 or len(_layers(layers, "conv")) != 3:
        fail("ResNet(6) should hold 3 Conv2d and 3 BatchNorm2d (its own and its Block's)")
    student.probe.swap_resnet_block(model, torch.zeros(6, 6, 1, 1))   # fails when no child is a Block


def test_resnet_first_conv_has_no_bias(student):
    layers = student.probe.describe_modules(student.resnet.ResNet(6))
    stem = next((d for d in layers if d["kind"] == "conv" and d["in_channels"] == 1), None)
    if stem is None or stem["bias"]:
        fail("ResNet's first Conv2d should have bias=False (a BatchNorm follows it)")


def test_resnet_num_classes(student):
    layers = student.probe.describe_modules(student.resnet.ResNet(4, num_classes=7))
    fcs = _layers(layers, "linear")
    if not fcs or fcs[-1]["out_features"] != 7:
        fail("ResNet(4, num_classes=7) should end with a Linear with 7 outputs")


def _resnet_pair(student, rng, channels=6):
    generator = _generator(rng)
    reference = ResNet(channels)
    randomise(reference, generator)
    swap = torch.randn(channels, channels, 1, 1, generator=generator) * 0.5
    probes.swap_resnet_block(reference, swap)
    model = student.resnet.ResNet(channels)
    student.probe.swap_resnet_block(model, swap)
    student.probe.load_weights_by_type(model, weights_by_type(reference))
    return reference, model


@pytest.mark.parametrize("shape", SHAPES_RESNET, ids=lambda s: "x".join(map(str, s)))
def test_resnet_output_shape(student, rng, shape):
    _, model = _resnet_pair(student, rng)
    out = student.probe.run_module(model, torch.randn(*shape), True)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (shape[0], 10):
        fail(f"ResNet(6) on an input of shape {shape} returned "
             f"{tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}; expected ({shape[0]}, 10)")


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_resnet_matches_reference(student, rng, mode):
    reference, model = _resnet_pair(student, rng)
    x = torch.randn(4, 1, 20, 20, generator=_generator(rng))
    want = probes.run_module(reference, x, mode == "train")
    assert_close(student.probe.run_module(model, x, mode == "train"), want,
                 f"ResNet(6) in {mode} mode (its Block replaced by a 1x1 convolution)")
