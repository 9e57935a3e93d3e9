"""Shared pieces of the cs446-hw3 hidden tests (trusted side only; never sent to the worker).

- reading hand-set weights from the answers file as numbers (expressions through the
  safe parser of ``grader.checks.expressions``, never ``eval``);
- the reference ResNet modules the student's outputs are compared with;
- the cameraman target at 256 x 256 and the image and loss-curve measures of 5.5.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from grader.checks.expressions import ExpressionError, evaluate

# ----------------------------------------------------------------------------- answers


def fail(message: str) -> None:
    pytest.fail(message, pytrace=False)


def vector(answer: Any, key: str, name: str, size: int, symbols: Sequence[str] = (),
           values: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """``answer[name]`` as a float array ``(size, k)``: one row per hidden unit, one column
    per sample of the item's parameters (``values``, arrays of length k; k = 1 without)."""
    if not isinstance(answer, Mapping):
        fail(f"{key}: write a mapping with {name} (and the other weights), e.g. "
             f"\"{key}\": {{{name}: [1, -1], ...}}; found {type(answer).__name__}")
    if name not in answer or answer[name] is None:
        fail(f"{key}: no {name} in your answer (found: {', '.join(map(str, answer)) or 'nothing'})")
    raw = answer[name]
    entries = list(_flatten(raw)) if isinstance(raw, (list, tuple)) else [raw]
    if len(entries) != size:
        fail(f"{key}: {name} has {len(entries)} entries; this item's network has {size} hidden unit(s), "
             f"so {name} needs {size}")
    samples = len(next(iter(values.values()))) if values else 1
    rows = []
    for index, entry in enumerate(entries):
        rows.append(_number(entry, key, f"{name}[{index}]", symbols, values or {}, samples))
    return np.stack(rows)


def _flatten(value: Any):
    for entry in value:
        if isinstance(entry, (list, tuple)):
            yield from _flatten(entry)
        else:
            yield entry


def _number(entry: Any, key: str, where: str, symbols: Sequence[str], values: Mapping[str, np.ndarray],
            samples: int) -> np.ndarray:
    if isinstance(entry, bool) or entry is None:
        fail(f"{key}: {where} is {entry!r}; write a number" + (f" or an expression in {', '.join(symbols)}"
                                                                if symbols else ""))
    if isinstance(entry, (int, float)):
        result = np.full(samples, float(entry))
    elif isinstance(entry, str):
        try:
            result = np.broadcast_to(np.asarray(evaluate(entry, symbols, values), dtype=float), (samples,))
        except ExpressionError as exc:
            allowed = f"; it may use {', '.join(symbols)}" if symbols else "; this item has no parameters"
            fail(f"{key}: {where} = {entry!r} could not be read: {exc}{allowed}")
    else:
        fail(f"{key}: {where} is a {type(entry).__name__}; write a number")
    if not np.all(np.isfinite(result)):
        fail(f"{key}: {where} = {entry!r} is not a finite number")
    return np.array(result, dtype=float)


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def network(x: np.ndarray, w0: np.ndarray, w1: np.ndarray, b0: np.ndarray | None, act) -> np.ndarray:
    """``f(x) = w1^T act(w0 x + b0)`` for every x (rows) and parameter sample (columns)."""
    z = w0[None, :, :] * x[:, None, None]
    if b0 is not None:
        z = z + b0[None, :, :]
    return np.einsum("xds,ds->xs", act(z), w1)


def worst_error(got: np.ndarray, want: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """Largest absolute error, and the x where it occurs."""
    error = np.abs(got - want)
    row, _ = np.unravel_index(int(np.argmax(error)), error.shape)
    return float(error.max()), float(x[row])


# ----------------------------------------------------------------------------- ResNet


class Block(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        return torch.relu(x + self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))


class ResNet(nn.Module):
    def __init__(self, c: int, num_classes: int = 10):
        super().__init__()
        self.conv = nn.Conv2d(1, c, 3, 2, 1, bias=False)
        self.bn = nn.BatchNorm2d(c)
        self.pool = nn.MaxPool2d(2)
        self.block = Block(c)
        self.avg = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn(self.conv(x))))
        return self.fc(torch.flatten(self.avg(self.block(x)), 1))


def randomise(model: nn.Module, generator: torch.Generator) -> None:
    """Random weights and batch-norm statistics, far from the defaults (so eval mode differs)."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.weight.copy_(torch.rand(module.weight.shape, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(module.bias.shape, generator=generator) * 0.5)
                module.running_mean.copy_(torch.randn(module.running_mean.shape, generator=generator) * 0.3)
                module.running_var.copy_(torch.rand(module.running_var.shape, generator=generator) + 0.5)
            elif isinstance(module, (nn.Conv2d, nn.Linear)):
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * 0.4)
                if module.bias is not None:
                    module.bias.copy_(torch.randn(module.bias.shape, generator=generator) * 0.2)


def weights_by_type(model: nn.Module) -> list:
    """``[[kind, {name: tensor}], ...]`` for the probe ``load_weights_by_type``."""
    kinds = {nn.Conv2d: "conv", nn.BatchNorm2d: "bn", nn.Linear: "linear"}
    found = []
    for module in model.modules():
        kind = kinds.get(type(module))
        if kind:
            tensors = {n: t.detach().clone() for n, t in module.named_parameters(recurse=False)}
            tensors.update({n: t.detach().clone() for n, t in module.named_buffers(recurse=False)})
            found.append([kind, tensors])
    return found


def assert_close(got: Any, want: torch.Tensor, what: str, *, atol: float = 1e-4, rtol: float = 1e-4) -> None:
    if not isinstance(got, torch.Tensor):
        fail(f"{what}: expected a tensor, got {type(got).__name__}")
    if tuple(got.shape) != tuple(want.shape):
        fail(f"{what}: shape {tuple(got.shape)}, expected {tuple(want.shape)}")
    diff = (got.double() - want.double()).abs()
    bad = diff > atol + rtol * want.double().abs()
    if bool(bad.any()):
        fail(f"{what}: {int(bad.sum())} of {bad.numel()} values differ from the grader's module with the same "
             f"weights (largest difference {float(diff.max()):.3g})")


# ----------------------------------------------------------------------------- SIREN


def cameraman_target(sidelength: int = 256) -> np.ndarray:
    """The image the student's SIREN must fit: area-shrunk to ``sidelength``, in [-1, 1]."""
    from grader.datasets import load_cameraman

    image = torch.from_numpy(load_cameraman()).reshape(1, 1, 512, 512)
    if sidelength != 512:
        image = nn.functional.interpolate(image, size=(sidelength, sidelength), mode="area")
    return (image[0, 0] * 2.0 - 1.0).numpy().astype(np.float32)


def psnr(image: np.ndarray, target: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB for images in [-1, 1] (peak-to-peak 2)."""
    mse = float(np.mean((np.asarray(image, dtype=np.float64) - target) ** 2))
    return float("inf") if mse == 0 else 10.0 * math.log10(4.0 / mse)


def roughness(losses: Sequence[float]) -> float:
    """How noisy a loss curve is: over its second half, the median size of the epoch-to-epoch
    changes of log10(loss) that go up (0 for a curve that only falls). A smooth run's losses
    fall or wobble by a few percent (< 0.03, i.e. 7 %); a very noisy one jumps by tens of percent."""
    values = np.log10(np.maximum(np.asarray(losses, dtype=np.float64), 1e-12))
    tail = values[len(values) // 2:]
    steps = np.diff(tail)
    ups = steps[steps > 0]
    if len(steps) == 0:
        return 0.0
    # spread the ups over all steps: a single small bump in a long falling curve is not noise
    return float(np.sum(ups) / len(steps))


# ----------------------------------------------------------------------------- the course's Siren (trusted side)

OMEGA = {"sin": 30.0, "tanh": 1.0, "relu": 1.0, None: 1.0}
_ACT = {"sin": torch.sin, "tanh": torch.tanh, "relu": torch.relu, None: lambda z: z}


class CourseSiren(nn.Module):
    """The grader's own copy of the course's provided ``Siren`` (first layer, ``hidden_layers``
    hidden layers, a bias-free linear output), with correct ``SingleLayer``s: the weights a
    student's ``train`` saved are loaded into it and judged here, never in the student's code."""

    def __init__(self, activation: str, hidden: int = 32, hidden_layers: int = 7):
        super().__init__()
        sizes = [(2, hidden, True)] + [(hidden, hidden, True)] * hidden_layers + [(hidden, 1, False)]
        self.linears = nn.ModuleList(nn.Linear(i, o, bias=b) for i, o, b in sizes)
        self.activation = activation

    def forward(self, x):
        last = len(self.linears) - 1
        for index, linear in enumerate(self.linears):
            act = None if index == last else self.activation
            x = _ACT[act](OMEGA[act] * linear(x))
        return x


def load_course_siren(state: Sequence, activation: str, orientation: Sequence = ()) -> CourseSiren:
    """``state`` (``[[key, tensor], ...]`` from the worker) in a ``CourseSiren``: tensors are
    grouped by layer (the first number in the key: ``net.3.linear.weight`` is layer 3) and read
    by shape, so the linear layer's attribute name is free; a matrix kept as (in, out) is
    transposed (square ones as the worker saw the student's layer compute). Fails with a
    message for the student when the saved state is not the course's 9-layer Siren."""
    import re

    model = CourseSiren(activation)
    groups: dict[int, list] = {}
    for key, tensor in state:
        found = re.search(r"(?:^|\.)(\d+)(?:\.|$)", str(key))
        if not isinstance(tensor, torch.Tensor) or found is None:
            fail(f"siren_model.p: the entry {key!r} is not a layer's tensor of the course's Siren (net.<i>. ...)")
        groups.setdefault(int(found.group(1)), []).append((str(key), tensor))
    layers = [groups[i] for i in sorted(groups)]
    if len(layers) != len(model.linears):
        fail(f"siren_model.p holds {len(layers)} layers; the course's Siren(2, 1, 32, 7, ...) has "
             f"{len(model.linears)} (a first layer, 7 hidden, the output)")
    with torch.no_grad():
        for index, (tensors, linear) in enumerate(zip(layers, model.linears)):
            weights = [t for _, t in tensors if t.dim() == 2]
            biases = [t for _, t in tensors if t.dim() == 1]
            if len(weights) != 1 or len(biases) > 1:
                fail(f"siren_model.p layer {index}: expected one weight matrix and at most one bias; found "
                     f"{[(k, tuple(t.shape)) for k, t in tensors]}")
            weight = weights[0].float()
            want = tuple(linear.weight.shape)
            transposed = orientation[index] == "in_out" if index < len(orientation) else False
            if tuple(weight.shape) != want or (transposed and want[0] == want[1]):
                weight = weight.T
            if tuple(weight.shape) != want:
                fail(f"siren_model.p layer {index}: a weight of shape {tuple(weights[0].shape)}; the course's "
                     f"Siren has {want}")
            linear.weight.copy_(weight)
            if linear.bias is not None:
                if not biases or tuple(biases[0].shape) != tuple(linear.bias.shape):
                    linear.bias.zero_()
                    if biases:
                        fail(f"siren_model.p layer {index}: a bias of shape {tuple(biases[0].shape)}; expected "
                             f"{tuple(linear.bias.shape)}")
                else:
                    linear.bias.copy_(biases[0].float())
    return model


def siren_images(model: nn.Module, sidelength: int = 256, chunk: int = 16384) -> dict:
    """The model's output, gradient norm and Laplacian on the (row, column) grid in [-1, 1]."""
    axis = torch.linspace(-1.0, 1.0, sidelength)
    rows, cols = torch.meshgrid(axis, axis, indexing="ij")
    coords = torch.stack([rows, cols], dim=-1).reshape(-1, 2)
    outputs, grads, laplacians = [], [], []
    model.eval()
    for start in range(0, coords.shape[0], chunk):
        x = coords[start:start + chunk].clone().requires_grad_(True)
        with torch.enable_grad():
            y = model(x).reshape(-1)
            (grad,) = torch.autograd.grad(y.sum(), x, create_graph=True)
            laplacian = torch.zeros_like(y)
            for d in range(2):
                (second,) = torch.autograd.grad(grad[:, d].sum(), x, retain_graph=True, allow_unused=True)
                if second is not None:
                    laplacian = laplacian + second[:, d]
        outputs.append(y.detach())
        grads.append(grad.detach().norm(dim=1))
        laplacians.append(laplacian.detach())
    shape = (sidelength, sidelength)
    as_array = lambda parts: torch.cat(parts).reshape(shape).numpy().astype(np.float32)
    return {"output": as_array(outputs), "grad": as_array(grads), "laplacian": as_array(laplacians)}
