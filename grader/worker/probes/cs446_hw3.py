"""Probes for cs446-hw3: grader-authored helpers that run inside the sandboxed worker.

They run next to the student's objects (a ``Block``/``ResNet``, a ``SingleLayer``, the
``siren`` module) and hold no secrets: no solution and no expected value is here, only
ways to look at the student's objects and to run their training. Only torch, numpy and the
standard library are imported. What comes back is data (arrays, numbers, strings); the
trusted side compares it with its own reference.

Only the names in ``__all__`` can be called from the trusted side.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time

import numpy as np
import torch
from torch import nn

__all__ = [
    "course_train",
    "dataset_arrays",
    "describe_modules",
    "layer_parameters",
    "load_weights_by_type",
    "run_module",
    "saved_state",
    "single_layer_forward",
    "swap_resnet_block",
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
    """Replace the ``Block`` inside a ResNet (at any depth: a direct child or inside an
    ``nn.Sequential``) by a 1x1 convolution with ``weight``, so the ResNet's own layers are
    judged apart from the student's Block. Returns where the block was."""
    for name, child in model.named_modules():
        if name and type(child).__name__ == "Block":
            parent_name, _, attribute = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            conv = nn.Conv2d(weight.shape[1], weight.shape[0], kernel_size=1, bias=False)
            with torch.no_grad():
                conv.weight.copy_(weight)
            setattr(parent, attribute, conv)
            return name
    names = ", ".join(f"{n} ({type(c).__name__})" for n, c in model.named_children())
    raise ValueError(f"the ResNet holds no module of class Block; its children: {names}")


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


def _weight_and_bias(layer) -> tuple:
    """A SingleLayer's weight (the one 2-D parameter) and bias (the 1-D one, or None), found by
    scanning its parameters: the linear layer's attribute name is the student's choice, and it
    may be an ``nn.Linear`` or raw ``nn.Parameter``s."""
    params = [p for p in layer.parameters()]
    weights = [p for p in params if p.dim() == 2]
    biases = [p for p in params if p.dim() == 1]
    if len(weights) != 1 or len(biases) > 1:
        raise ValueError(f"a SingleLayer should hold one weight matrix and at most one bias vector; found "
                         f"{len(weights)} matrices and {len(biases)} vectors "
                         f"(shapes {[tuple(p.shape) for p in params]})")
    return weights[0], (biases[0] if biases else None)


def _single_layers(model) -> list:
    """The SingleLayers of a Siren in order (its ``net`` children), or the model itself."""
    if type(model).__name__ == "SingleLayer":
        return [model]
    found = [m for m in model.modules() if type(m).__name__ == "SingleLayer"]
    if not found:
        raise ValueError(f"{type(model).__name__} holds no SingleLayer")
    return found


def layer_parameters(model) -> list[dict]:
    """Per SingleLayer of ``model`` (a Siren, or one SingleLayer): its weight, bias (or None)
    and ``omega`` (None when absent)."""
    found = []
    for layer in _single_layers(model):
        weight, bias = _weight_and_bias(layer)
        found.append({"weight": weight.detach().clone(),
                      "bias": None if bias is None else bias.detach().clone(),
                      "omega": _number(getattr(layer, "omega", None))})
    return found


def _number(value):
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    return None


def single_layer_forward(layer, weight, bias, x):
    """Load ``weight`` (out, in) and ``bias`` into the layer (transposed when the layer keeps
    its matrix as (in, out)) and return ``layer(x)``."""
    own_weight, own_bias = _weight_and_bias(layer)
    with torch.no_grad():
        own_weight.copy_(weight if tuple(own_weight.shape) == tuple(weight.shape) else weight.T)
        if own_bias is not None:
            own_bias.copy_(bias)
        return layer(x)


def saved_state(path: str) -> list:
    """A state dict the student saved (``siren_model.p``), loaded with ``weights_only`` (tensors
    only, no code runs) and returned as ``[[key, tensor], ...]``."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, nn.Module):
        state = state.state_dict()
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise TypeError(f"{os.path.basename(path)} should hold the model's state_dict (torch.save(model.state_dict(), "
                        f"...)); it holds a {type(state).__name__}")
    return [[str(k), v.detach().clone()] for k, v in state.items()]


def _orientation(siren, state: list, activation: str) -> list:
    """Per SingleLayer of the student's own Siren with ``state`` loaded: ``"out_in"`` when it
    computes ``x @ W.T`` (as ``nn.Linear``), ``"in_out"`` when ``x @ W``, None when neither
    (a wrong forward). Tells how to read square matrices; no verdict is made from it."""
    model = siren.Siren(2, 1, 32, 7, activation)
    model.load_state_dict(dict(state))
    acts = {"sin": torch.sin, "tanh": torch.tanh, "relu": torch.relu}
    found = []
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for layer in _single_layers(model):
            weight, bias = _weight_and_bias(layer)
            x = torch.rand(4, weight.shape[1] if weight.shape[0] == weight.shape[1] else max(weight.shape),
                           generator=generator) * 2 - 1
            out = None
            for name, w in (("out_in", weight), ("in_out", weight.T)):
                if w.shape[1] != x.shape[1]:
                    continue
                inputs = x[:, :w.shape[1]]
                try:
                    got = layer(inputs)
                except Exception:  # noqa: BLE001 - the wrong orientation may not even run
                    continue
                omega = _number(getattr(layer, "omega", None)) or 1.0
                z = omega * (inputs @ w.T + (0 if bias is None else bias))
                for act in (acts.get(activation), None):
                    want = z if act is None else act(z)
                    if got.shape == want.shape and torch.allclose(got, want, atol=1e-5, rtol=1e-4):
                        out = name
                        break
                if out:
                    break
            found.append(out)
    return found


def _loss_curves(figures) -> list:
    """The y values of every line drawn in ``figures`` (the loss curve of the course's figure)."""
    curves = []
    for figure in figures:
        for axes in figure.axes:
            for line in axes.get_lines():
                try:
                    values = np.asarray(line.get_ydata(), dtype=np.float64).reshape(-1)
                except (TypeError, ValueError):
                    continue
                curves.append(values[:100_000])
    return curves


class _LearningRates:
    """While active, every torch optimiser built gets the learning rate the grader chose for its
    family (``{"SGD": 1e-2, "Adam": 1e-3}``; Adam's relatives count as Adam) and is recorded:
    the course's ``train`` holds one learning rate, while the handout has students pick one per
    activation (5.3, reported in their PDF), so the grader runs each activation with a rate the
    handout suggests for it. Optimisers of other families keep the student's rate."""

    _ADAM = {"Adam", "AdamW", "NAdam", "RAdam", "Adamax"}

    def __init__(self, rates: dict):
        self.rates = {str(k): float(v) for k, v in (rates or {}).items()}
        self.seen: list[dict] = []
        self._original = None

    def __enter__(self):
        original = self._original = torch.optim.Optimizer.__init__
        probe = self

        def __init__(optimizer, *args, **kwargs):
            original(optimizer, *args, **kwargs)
            name = type(optimizer).__name__
            family = "Adam" if name in probe._ADAM else name
            theirs = [float(g.get("lr", float("nan"))) for g in optimizer.param_groups]
            chosen = probe.rates.get(family)
            if chosen is not None:
                for group in optimizer.param_groups:
                    group["lr"] = chosen
                    if "initial_lr" in group:
                        group["initial_lr"] = chosen
                optimizer.defaults["lr"] = chosen
            probe.seen.append({"optimizer": name, "their_lr": theirs[0] if theirs else None, "lr": chosen})

        torch.optim.Optimizer.__init__ = __init__
        return self

    def __exit__(self, *exc) -> None:
        torch.optim.Optimizer.__init__ = self._original


def _pyplot():
    """matplotlib.pyplot if the student's code imported it, else None."""
    return sys.modules.get("matplotlib.pyplot")


def course_train(siren, activation: str, total_epochs: int, batch_size: int, seed: int,
                 learning_rates: dict | None = None) -> dict:
    """Run the student's ``train(total_epochs, batch_size, activation)`` as the course's CLI
    does, in a fresh folder (optimisers get the grader's ``learning_rates``, see
    ``_LearningRates``), and return what it saved (``siren_model.p``, read with
    ``weights_only``), the lines of the figures it drew (its loss curve), the optimisers it
    built and its CPU time. The trusted side loads the state into its own Siren and judges it."""
    # the figures the student's train() draws: pyplot is looked up, never imported here (probe
    # modules import only torch, numpy and the standard library; a train() that plots imports it)
    torch.manual_seed(seed)
    before = set(_pyplot().get_fignums()) if _pyplot() else set()
    home = os.getcwd()
    folder = tempfile.mkdtemp(prefix="siren-run-")
    os.chdir(folder)
    rates = _LearningRates(learning_rates or {})
    try:
        start, cpu = time.perf_counter(), time.process_time()
        with rates:
            returned = siren.train(int(total_epochs), int(batch_size), activation)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        source = "siren_model.p"
        if os.path.isfile("siren_model.p"):
            state = saved_state("siren_model.p")
        else:
            model = returned[0] if isinstance(returned, (tuple, list)) and returned else returned
            if not isinstance(model, nn.Module):
                raise FileNotFoundError(
                    "train() saved no siren_model.p in the working folder (the starter ends with "
                    "torch.save(siren_model.state_dict(), \"siren_model.p\")) and returned no model")
            state = [[k, v.detach().clone()] for k, v in model.state_dict().items()]
            source = "the model train() returned"
    finally:
        os.chdir(home)
        shutil.rmtree(folder, ignore_errors=True)
    plt = _pyplot()
    figures = [plt.figure(n) for n in plt.get_fignums() if n not in before] if plt else []
    curves = _loss_curves(figures)
    for figure in figures:
        plt.close(figure)
    if isinstance(returned, (tuple, list)) and len(returned) == 2:
        try:
            curves.append(np.asarray([float(v) for v in returned[1]], dtype=np.float64))
        except (TypeError, ValueError):
            pass
    try:
        orientation = _orientation(siren, state, activation)
    except Exception:  # noqa: BLE001 - a state the student's own Siren cannot load: read it by shapes
        orientation = []
    try:
        own = siren.Siren(2, 1, 32, 7, activation)
        own.load_state_dict(dict(state))
        own_laplacian = _laplacian(own)
    except Exception as exc:  # noqa: BLE001 - reported on the trusted side
        own_laplacian = f"{type(exc).__name__}: {exc}"
    return {"state": state, "source": source, "curves": curves, "orientation": orientation,
            "own_laplacian": own_laplacian, "optimizers": rates.seen[:10], "train_s": seconds,
            "train_cpu_s": cpu_seconds}


def _laplacian(model, sidelength: int = 256, chunk: int = 16384) -> np.ndarray:
    """The Laplacian of the student's own model (their SingleLayers) on the 256 x 256 grid:
    what the course's third plot shows. Our autograd code, their network."""
    axis = torch.linspace(-1.0, 1.0, sidelength)
    rows, cols = torch.meshgrid(axis, axis, indexing="ij")
    coords = torch.stack([rows, cols], dim=-1).reshape(-1, 2)
    parts = []
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
        parts.append(laplacian.detach())
    return torch.cat(parts).reshape(sidelength, sidelength).numpy().astype(np.float32)
