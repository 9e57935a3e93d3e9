"""Probes for nyu-dl-hw1: grader-authored helpers that run inside the sandboxed worker.

They run next to the student's objects (an ``MLP`` handle, the classifier handed to
``gradient_descent``) and hold no secrets: the student may read this file. Only torch,
numpy and the standard library are imported, because the ``grader`` package is not
importable inside the sandbox. The trusted side may import this module too (to build
the same classifier locally and score images on its own copy).

Only the names in ``__all__`` can be called from the trusted side.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = [
    "load_parameters",
    "cache_entries",
    "tiny_classifier",
    "class_logit_loss",
    "class_nll_loss",
    "class_score",
    "class_logit",
    "model_state",
]

_PARAMETER_NAMES = ("W1", "b1", "W2", "b2")


def load_parameters(net, params: dict) -> None:
    """Copy ``params`` (``W1, b1, W2, b2``) into ``net.parameters`` in place.

    In place, so that a student who kept other references to the same tensors sees the
    new values too. Shapes must match the interface (``W`` is ``out x in``).
    """
    own = getattr(net, "parameters", None)
    if not isinstance(own, dict):
        raise TypeError(
            f"MLP.parameters should be a dict with keys {', '.join(_PARAMETER_NAMES)}, found {type(own).__name__}"
        )
    for name in _PARAMETER_NAMES:
        value = params[name]
        if name not in own:
            raise KeyError(
                f"MLP.parameters has no key {name!r} (keys: {', '.join(map(str, own))}); "
                f"expected {', '.join(_PARAMETER_NAMES)}"
            )
        current = own[name]
        if not isinstance(current, torch.Tensor):
            raise TypeError(f"MLP.parameters[{name!r}] should be a tensor, found {type(current).__name__}")
        if tuple(current.shape) != tuple(value.shape):
            raise ValueError(
                f"MLP.parameters[{name!r}] has shape {tuple(current.shape)}, expected "
                f"{tuple(value.shape)} (W is out x in, b is (out,), as in nn.Linear)"
            )
        with torch.no_grad():
            current.copy_(value)


def cache_entries(net) -> int:
    """How many entries of ``net.cache`` still hold something (a value other than None)."""
    cache = getattr(net, "cache", None)
    if cache is None:
        return 0
    if isinstance(cache, dict):
        return sum(1 for value in cache.values() if value is not None)
    try:
        return len(cache)
    except TypeError:
        return 1


def tiny_classifier(seed: int, num_classes: int = 5, image_shape=(1, 3, 16, 16)) -> nn.Module:
    """A small convolutional classifier with deterministic weights, in eval mode.

    Conv-BN-ReLU-max-pool twice, then a linear layer on the flattened features: a
    miniature of the VGG-BN the course used (H and W should be multiples of 4). Weights
    and BatchNorm statistics come from a generator seeded with ``seed``, so the worker
    and the trusted side build the same model; the global torch RNG is left untouched.
    """
    channels = int(image_shape[1])
    gen = torch.Generator().manual_seed(int(seed))
    with torch.random.fork_rng(devices=[]):
        model = nn.Sequential(
            nn.Conv2d(channels, 8, 3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * (int(image_shape[2]) // 4) * (int(image_shape[3]) // 4), int(num_classes)),
        )
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                fan_in = module.weight[0].numel()
                module.weight.copy_(torch.randn(module.weight.shape, generator=gen) * math.sqrt(2.0 / fan_in))
                module.bias.copy_(torch.randn(module.bias.shape, generator=gen) * 0.1)
            elif isinstance(module, nn.BatchNorm2d):
                n = module.num_features
                module.weight.copy_(1.0 + 0.1 * torch.randn(n, generator=gen))
                module.bias.copy_(0.1 * torch.randn(n, generator=gen))
                module.running_mean.copy_(0.1 * torch.randn(n, generator=gen))
                module.running_var.copy_(0.5 + torch.rand(n, generator=gen))
    return model.eval()


class _NegativeLogit:
    """``logits -> -logits[:, target].sum()``: minimising it raises the target's logit."""

    def __init__(self, target: int):
        self.target = int(target)

    def __call__(self, logits):
        return -logits[:, self.target].sum()

    def __repr__(self) -> str:
        return f"<loss: minus the logit of class {self.target}>"


class _NegativeLogProbability:
    """``logits -> -log_softmax(logits)[:, target].sum()``: the cross-entropy towards ``target``."""

    def __init__(self, target: int):
        self.target = int(target)

    def __call__(self, logits):
        return -torch.log_softmax(logits, dim=1)[:, self.target].sum()

    def __repr__(self) -> str:
        return f"<loss: cross-entropy towards class {self.target}>"


def class_logit_loss(target: int):
    """A loss for ``gradient_descent``: minus the target class's logit."""
    return _NegativeLogit(target)


def class_nll_loss(target: int):
    """A loss for ``gradient_descent``: minus the log softmax probability of the target class."""
    return _NegativeLogProbability(target)


def class_logit(model, image, target: int) -> float:
    """The logit of class ``target`` for ``image`` (``1 x C x H x W``)."""
    with torch.no_grad():
        return float(model(torch.as_tensor(image, dtype=torch.float32))[0, int(target)])


def class_score(model, image, target: int) -> float:
    """Softmax probability of class ``target`` for ``image`` (``1 x C x H x W``)."""
    with torch.no_grad():
        logits = model(torch.as_tensor(image, dtype=torch.float32))
        return float(torch.softmax(logits, dim=1)[0, int(target)])


def model_state(model) -> dict:
    """A detached copy of the model's parameters and buffers, plus whether it is training."""
    state = {name: value.detach().clone() for name, value in model.state_dict().items()}
    return {"state": state, "training": bool(model.training)}
