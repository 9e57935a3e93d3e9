"""Probes for cs446-hw3: grader-authored helpers that run inside the sandboxed worker.

They run next to the student's objects (a ``Block``/``ResNet``, a ``SingleLayer``, the
``siren`` module) and hold no secrets: no solution and no expected value is here, only
ways to look at the student's objects and to run their training. Only torch, numpy and the
standard library are imported. What comes back is data (arrays, numbers, strings); the
trusted side compares it with its own reference.

Only the names in ``__all__`` can be called from the trusted side.
"""

from __future__ import annotations

import json
import os
import time

import numpy as np
import torch
from torch import nn

__all__ = [
    "dataset_arrays",
    "describe_modules",
    "evaluate_saved_siren",
    "linear_layers",
    "load_weights_by_type",
    "run_module",
    "single_layer_forward",
    "siren_step_seconds",
    "swap_resnet_block",
    "train_siren",
]

_KINDS = {nn.Conv2d: "conv", nn.BatchNorm2d: "bn", nn.Linear: "linear", nn.ReLU: "relu",
          nn.MaxPool2d: "maxpool", nn.AdaptiveAvgPool2d: "avgpool"}


def _kind(module: nn.Module) -> str | None:
    for cls, name in _KINDS.items():
        if type(module) is cls:
            return name
    return None


def describe_modules(model) -> list[dict]:
    """Every torch layer inside ``model``, in registration order, with its settings."""
    found = []
    for name, module in model.named_modules():
        kind = _kind(module)
        if kind is None:
            continue
        entry: dict = {"name": name, "kind": kind}
        if kind == "conv":
            entry.update(in_channels=module.in_channels, out_channels=module.out_channels,
                         kernel_size=list(module.kernel_size), stride=list(module.stride),
                         padding=list(module.padding) if not isinstance(module.padding, str) else module.padding,
                         bias=module.bias is not None)
        elif kind == "bn":
            entry.update(num_features=module.num_features, affine=module.affine)
        elif kind == "linear":
            entry.update(in_features=module.in_features, out_features=module.out_features,
                         bias=module.bias is not None)
        elif kind == "maxpool":
            entry.update(kernel_size=module.kernel_size)
        elif kind == "avgpool":
            entry.update(output_size=module.output_size)
        found.append(entry)
    return found


def load_weights_by_type(model, weights: list) -> None:
    """Copy the grader's weights into ``model``: the k-th conv (batch norm, linear) layer of
    ``model`` gets the k-th entry of that kind in ``weights`` (a list of ``[kind, {name:
    tensor}]``), so the student's attribute names do not matter, only the layers' order
    within each kind. Batch-norm running statistics are copied too."""
    mine: dict[str, list[nn.Module]] = {"conv": [], "bn": [], "linear": []}
    for module in model.modules():
        kind = _kind(module)
        if kind in mine:
            mine[kind].append(module)
    wanted: dict[str, list[dict]] = {"conv": [], "bn": [], "linear": []}
    for kind, tensors in weights:
        wanted[kind].append(tensors)
    for kind, modules in mine.items():
        if len(modules) != len(wanted[kind]):
            raise ValueError(f"the model has {len(modules)} {kind} layer(s); the homework's layout has "
                             f"{len(wanted[kind])}")
        for index, (module, tensors) in enumerate(zip(modules, wanted[kind])):
            own = dict(module.named_parameters(recurse=False))
            own.update(dict(module.named_buffers(recurse=False)))
            extra = sorted({k for k, v in own.items() if v is not None} - set(tensors))
            if extra:
                raise ValueError(f"{kind} layer #{index + 1} has {', '.join(extra)} that the homework's layout "
                                 "does not (a conv layer followed by BatchNorm takes bias=False)")
            for name, value in tensors.items():
                target = own.get(name)
                if target is None:
                    raise ValueError(f"{kind} layer #{index + 1} has no {name}")
                if tuple(target.shape) != tuple(value.shape):
                    raise ValueError(f"{kind} layer #{index + 1}: {name} has shape {tuple(target.shape)}, "
                                     f"expected {tuple(value.shape)}")
                with torch.no_grad():
                    target.copy_(value)


def swap_resnet_block(model, weight) -> str:
    """Replace the ``Block`` inside a ResNet by a 1x1 convolution with ``weight`` (so the
    ResNet's own layers are judged apart from the student's Block). Returns the attribute
    name that held the block."""
    for name, child in model.named_children():
        if type(child).__name__ == "Block":
            conv = nn.Conv2d(weight.shape[1], weight.shape[0], kernel_size=1, bias=False)
            with torch.no_grad():
                conv.weight.copy_(weight)
            setattr(model, name, conv)
            return name
    names = ", ".join(f"{n} ({type(c).__name__})" for n, c in model.named_children())
    raise ValueError(f"the ResNet has no direct child of class Block; its children: {names}")


def run_module(model, x, train: bool):
    """``model(x)`` in train or eval mode, without gradients."""
    model.train(bool(train))
    with torch.no_grad():
        return model(x)


def dataset_arrays(dataset) -> dict:
    """Every item of a ``MyDataset``: ``coords`` (N, 2), ``pixels`` (N, 1), and the first item's types."""
    count = len(dataset)
    first = dataset[0]
    if not isinstance(first, (tuple, list)) or len(first) != 2:
        raise TypeError(f"dataset[0] should be a pair (coords, pixel); got {type(first).__name__}")
    coords, pixels = [], []
    for i in range(count):
        c, p = dataset[i]
        coords.append(torch.as_tensor(c).detach().reshape(-1).float())
        pixels.append(torch.as_tensor(p).detach().reshape(-1).float())
    try:
        coords, pixels = torch.stack(coords).numpy(), torch.stack(pixels).numpy()
    except RuntimeError as exc:  # items of different sizes
        raise ValueError(f"the dataset's items do not all have the same shape: {exc}") from None
    return {"count": count, "coords": coords, "pixels": pixels,
            "types": [type(first[0]).__name__, type(first[1]).__name__],
            "shapes": [list(torch.as_tensor(first[0]).shape), list(torch.as_tensor(first[1]).shape)]}


def linear_layers(model) -> list[dict]:
    """Every ``nn.Linear`` inside ``model`` in order: weight, bias or None, and the
    ``omega``/``is_first`` of the module holding it (None when absent)."""
    modules = dict(model.named_modules())
    found = []
    for name, child in modules.items():
        if type(child) is not nn.Linear:
            continue
        holder = modules.get(name.rpartition(".")[0], model) if name else model
        found.append({"weight": child.weight.detach().clone(),
                      "bias": None if child.bias is None else child.bias.detach().clone(),
                      "holder": type(holder).__name__,
                      "omega": _number(getattr(holder, "omega", None)),
                      "is_first": getattr(holder, "is_first", None)})
    return found


def _number(value):
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    return None


def single_layer_forward(layer, weight, bias, x):
    """Load ``weight``/``bias`` into the layer's ``nn.Linear`` and return ``layer(x)``."""
    linears = [m for m in layer.modules() if type(m) is nn.Linear]
    if len(linears) != 1:
        raise ValueError(f"a SingleLayer should hold exactly one nn.Linear; found {len(linears)}")
    with torch.no_grad():
        linears[0].weight.copy_(weight)
        if linears[0].bias is not None:
            linears[0].bias.copy_(bias)
        return layer(x)


def siren_step_seconds(siren, activation: str, batch_size: int, steps: int = 8) -> float:
    """CPU seconds per optimisation step of the student's ``Siren`` at ``batch_size`` (Adam,
    MSE): the grader's estimate of what a full training run costs before it starts one. CPU
    time, not wall time, so a busy machine does not change the estimate."""
    model = siren.Siren(2, 1, 32, 7, activation)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    x, y = torch.rand(batch_size, 2) * 2 - 1, torch.rand(batch_size, 1) * 2 - 1
    for _ in range(2):
        _step(model, optimizer, x, y)
    start = time.process_time()
    for _ in range(steps):
        _step(model, optimizer, x, y)
    return (time.process_time() - start) / steps


def _step(model, optimizer, x, y) -> None:
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()


def train_siren(siren, activation: str, epochs: int, batch_size: int, seed: int) -> dict:
    """Run the student's ``siren.train`` with their settings and judge the model it returns:
    the loss curve, the output image, its gradient norm and Laplacian (our own computation,
    not the student's ``siren_utils``), and the wall time."""
    torch.manual_seed(seed)
    start, cpu = time.perf_counter(), time.process_time()
    result = siren.train(int(epochs), int(batch_size), activation)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError("train(...) should return (model, losses); it returned "
                        f"{type(result).__name__}")
    model, losses = result
    losses = np.asarray([float(v) for v in losses], dtype=np.float64)
    return {"losses": losses, "train_s": seconds, "train_cpu_s": cpu_seconds, **_judge(model)}


def evaluate_saved_siren(siren, activation: str, path: str) -> dict:
    """Load a state dict the student saved (``weights_only``: tensors, no code) into their
    ``Siren`` and judge it like a freshly trained one; ``losses`` from ``<stem>_losses.json``."""
    model = siren.Siren(2, 1, 32, 7, activation)
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    losses_path = os.path.splitext(path)[0] + "_losses.json"
    losses: list = []
    if os.path.isfile(losses_path):
        with open(losses_path) as f:
            losses = list(json.load(f).get("losses", []))[:100_000]
    return {"losses": np.asarray([float(v) for v in losses], dtype=np.float64), "train_s": 0.0, "train_cpu_s": 0.0,
            **_judge(model)}


def _judge(model, sidelength: int = 256, chunk: int = 16384) -> dict:
    """Output, gradient norm and Laplacian of ``model`` on the ``sidelength`` grid (row-major
    (row, column) coordinates in [-1, 1]), as float32 arrays."""
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
