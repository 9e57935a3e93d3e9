"""Probes for comp499-a1 (a notebook homework): run in the worker beside the notebook's objects."""

from __future__ import annotations

import contextlib
import gzip
from pathlib import Path
from typing import Any, Callable, Iterator

__all__ = ["comp499_smooth_function", "comp499_no_reverse_mode", "comp499_linear_layers",
           "comp499_layer_stats", "comp499_mnist_test_predictions"]

#: where the sandbox sees MNIST's test images (their labels never enter the sandbox)
MNIST_TEST_IMAGES = "/data/mnist/t10k-images-idx3-ubyte.gz"


def smooth_function(seed: int, shape: tuple[int, ...]) -> Callable[[Any], Any]:
    """A seeded scalar function of a tensor, f(t) = sum(a * sin(t) + b * t**2) + c * sum(t)**2;
    the trusted side builds the same one to know the true gradient."""
    import torch

    g = torch.Generator().manual_seed(int(seed))
    a = torch.randn(*shape, generator=g, dtype=torch.float64)
    b = torch.rand(*shape, generator=g, dtype=torch.float64)
    c = float(torch.rand((), generator=g, dtype=torch.float64))

    def f(t: Any) -> Any:
        t = t.to(torch.float64)
        return (a * torch.sin(t) + b * t ** 2).sum() + c * t.sum() ** 2

    return f


def comp499_smooth_function(seed: int, shape: list[int]) -> Callable[[Any], Any]:
    return smooth_function(seed, tuple(shape))


class ReverseModeUsed(RuntimeError):
    pass


@contextlib.contextmanager
def _reverse_mode_forbidden() -> Iterator[None]:
    import torch
    import torch.autograd.functional

    def refuse(name: str) -> Callable[..., Any]:
        def stop(*args: Any, **kwargs: Any) -> Any:
            raise ReverseModeUsed(f"{name} (reverse mode) was called inside the forward-mode function")
        return stop

    targets = [(torch.Tensor, "backward"), (torch.autograd, "backward"), (torch.autograd, "grad"),
               (torch.func, "vjp"), (torch.func, "jacrev"), (torch.func, "grad"), (torch.func, "grad_and_value"),
               (torch.autograd.functional, "vjp"), (torch.autograd.functional, "jacobian"),
               (torch.autograd.functional, "vhp"), (torch.autograd.functional, "hessian")]
    saved = [(owner, name, getattr(owner, name)) for owner, name in targets]
    for owner, name, _ in saved:
        setattr(owner, name, refuse(f"{getattr(owner, '__name__', 'Tensor')}.{name}"))
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def comp499_no_reverse_mode(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` with every reverse-mode entry point of torch replaced by one that raises."""
    with _reverse_mode_forbidden():
        return fn(*args)


def comp499_linear_layers(model: Any) -> list[dict]:
    """The model's ``nn.Linear`` layers in order: sizes, weights and biases (as data)."""
    import torch.nn as nn

    return [{"in": m.in_features, "out": m.out_features, "weight": m.weight.detach().clone(),
             "bias": None if m.bias is None else m.bias.detach().clone()}
            for m in model.modules() if isinstance(m, nn.Linear)]


def comp499_layer_stats(model: Any, x: Any, y: Any) -> dict:
    """Mean post-activation and gradient norm of each hidden layer, computed by the grader's code,
    for a model of Linear layers with tanh between them (the 4(a) architecture)."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    h, outputs = x, []
    for layer in layers[:-1]:
        h = torch.tanh(layer(h))
        h.retain_grad()
        outputs.append(h)
    F.cross_entropy(layers[-1](h), y).backward()
    stats = {"mean_activation": [float(o.detach().mean()) for o in outputs],
             "grad_norm": [float(o.grad.norm()) for o in outputs]}
    model.zero_grad()
    return stats


def comp499_mnist_test_predictions(model: Any) -> Any:
    """The model's class for each MNIST test image (scaled to [0, 1], flattened), as int64."""
    import numpy as np
    import torch

    raw = gzip.decompress(Path(MNIST_TEST_IMAGES).read_bytes())
    images = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784)
    x = torch.tensor(images, dtype=torch.float32) / 255.0
    with torch.no_grad():
        return torch.cat([model(x[i:i + 2000]).argmax(1) for i in range(0, len(x), 2000)]).to(torch.int64)
