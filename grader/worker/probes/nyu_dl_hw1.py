"""Probes for nyu-dl-hw1: grader-authored helpers that run inside the sandboxed worker.

They run next to the student's objects (an ``MLP`` handle, the classifier handed to
``gradient_descent``) and hold no secrets: the student may read this file. Only torch,
numpy and the standard library are imported, because the ``grader`` package is not
importable inside the sandbox. The trusted side may import this module too (to build
the same classifier locally and score images on its own copy).

Only the names in ``__all__`` can be called from the trusted side.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = [
    "load_parameters",
    "imagenet_standin",
    "course_start_image",
    "label_logit",
    "call_as_course_main",
    "backward_watching_autograd",
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


#: ImageNet's per-channel statistics: the course's normalize_and_jitter normalises with them
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: the course's image size and number of classes (VGG13-BN on ImageNet)
IMAGE_SHAPE = (1, 3, 224, 224)
NUM_CLASSES = 1000
#: the last layer's weights are scaled up so that logits spread as a trained classifier's do
#: (a plain random init gives logits so close together that no image moves a probability)
_LOGIT_SCALE = 4.0


def imagenet_standin(seed: int) -> nn.Module:
    """The grader's stand-in for the course's VGG13-BN: same input, same output, same modes.

    VGG13-BN's ImageNet weights cannot be downloaded on the grading machine, so the
    grader builds this small classifier instead, deterministically from ``seed`` (the
    worker and the trusted side build the same one): it takes a normalised
    ``1 x 3 x 224 x 224`` image, has BatchNorm and Dropout like VGG13-BN, ends in 1000
    logits, and is returned in training mode, as the course's ``main`` hands VGG13-BN
    over. Its BatchNorm statistics are measured on mid-grey noise images (the course's
    starting point); the global torch RNG is left untouched.
    """
    gen = torch.Generator().manual_seed(int(seed))

    def block(c_in: int, c_out: int) -> list[nn.Module]:
        return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2)]

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        model = nn.Sequential(
            nn.AvgPool2d(8), *block(3, 16), *block(16, 32),
            nn.AdaptiveAvgPool2d(7), nn.Flatten(), nn.Dropout(0.5), nn.Linear(32 * 7 * 7, NUM_CLASSES),
        )
        mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
        norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
        with torch.no_grad():
            for norm in norms:
                norm.momentum = None  # a plain average over the calibration batches
            model.train()
            for _ in range(8):
                pixels = (torch.randn(4, *IMAGE_SHAPE[1:], generator=gen) * 8 + 128) / 255
                model((pixels - mean) / std)
            for norm in norms:
                norm.momentum = 0.1
            model[-1].weight.mul_(_LOGIT_SCALE)
            model[-1].bias.zero_()
    return model.train()


def course_start_image(seed: int):
    """The starting image exactly as the course's ``main`` makes it, from a seeded generator.

    ``1 x 224 x 224 x 3`` noise around mid-grey in [0, 1], permuted to ``1 x 3 x 224 x 224``
    (a non-contiguous view), with ``requires_grad_()`` already called, as main() does.
    """
    gen = torch.Generator().manual_seed(int(seed))
    image = torch.randn(1, IMAGE_SHAPE[2], IMAGE_SHAPE[3], IMAGE_SHAPE[1], generator=gen)
    image = (image * 8 + 128) / 255
    image = image.permute(0, 3, 1, 2)
    image.requires_grad_()
    return image


class _LabelLogit:
    """``tensor -> tensor[0, label].mean()``: the course's third argument, a score to maximise."""

    def __init__(self, label: int):
        self.label = int(label)

    def __call__(self, tensor):
        return tensor[0, self.label].mean()

    def __repr__(self) -> str:
        return f"<lambda tensor: tensor[0, {self.label}].mean()>"


def label_logit(label: int):
    """The score the course's ``main`` passes to ``gradient_descent`` for ``label``."""
    return _LabelLogit(label)


def call_as_course_main(gradient_descent, label: int, image_seed: int, model_seed: int):
    """Call the student's ``gradient_descent`` the way the course's ``main`` does, and return its image.

    Positionally, with three arguments: the starting image (``requires_grad_()`` called),
    the classifier in training mode, and ``lambda tensor: tensor[0, label].mean()``. Only
    the returned image leaves the worker: the trusted side scores it on its own copy of the
    classifier.
    """
    image = course_start_image(image_seed)
    model = imagenet_standin(model_seed)
    return gradient_descent(image, model, label_logit(label))


_AUTOGRAD_CALLS = ("backward", "grad", "requires_grad_", "__set__", "retain_grad", "enable_grad")


def backward_watching_autograd(net, dJdy_hat) -> list:
    """Run ``net.backward(dJdy_hat)`` and list the autograd calls it made (evidence, never a verdict).

    A ``TorchFunctionMode`` sees ``Tensor.backward``, ``torch.autograd.grad``,
    ``requires_grad_`` and ``requires_grad = ...`` as they happen. Code can hide from it
    (it runs in the student's process), so an empty list proves nothing; a non-empty one
    is reported beside the static rule, which decides.
    """
    from torch.overrides import TorchFunctionMode

    seen: list[str] = []

    class _Watch(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            name = getattr(func, "__name__", "")
            if name in _AUTOGRAD_CALLS and (name != "__set__" or "requires_grad" in repr(func)):
                label = "requires_grad = ..." if name == "__set__" else name
                if label not in seen:
                    seen.append(label)
            return func(*args, **(kwargs or {}))

    with _Watch():
        net.backward(torch.as_tensor(dJdy_hat, dtype=torch.float32))
    return seen
