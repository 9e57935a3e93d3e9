"""Sandbox-side compatibility with the courses' starter code, installed before any student code.

The courses' starters import packages and make calls that a CPU-only, offline grading sandbox
cannot serve as they are. Each module here makes one of them work the way the student's code
expects (``docs/course-packages.md`` lists them for students and instructors); ``install()`` is
called from ``sitecustomize`` (``../site``), so it applies to the worker and to every Python
process the student's code starts. Everything waits behind one import finder (``_hooks``):
nothing is imported until the hooked module itself is, so a start costs nothing.

- ``torchvision_ops``: ``import torchvision`` beside the CPU torch (its compiled operators need CUDA);
- ``torchvision_mnist``: ``torchvision.datasets.MNIST(download=True)`` served from ``/data/mnist``;
- ``tfds``: a ``tensorflow_datasets`` stand-in serving ``imdb_reviews`` from ``/data/imdb``;
- ``nltk_offline``: NLTK's English stop words offline, ``nltk.download`` without network;
- ``hub``: a download of pretrained weights says at once that there is no network;
- ``devices``: CUDA devices mapped to the CPU where there is no GPU, GPU checkpoints loaded on the CPU;
- ``colab``: ``google.colab`` and a notebook's ``!``/``%`` Colab lines skipped;
- ``missing``: what to do about a module the environment lacks (appended to the error);
- ``notes``: what the hooks did, sent to the trusted side with the worker's replies for the report.

Like the rest of the worker package, nothing here imports from ``grader``.
"""

from __future__ import annotations

import importlib
import os
import sys

TYPE_CHECKING = False  # typing costs 2 ms at every start of a sandboxed Python
if TYPE_CHECKING:
    from typing import Any, Callable

from ._hooks import finder

__all__ = ["install", "activate"]

_installed = False


def install() -> None:
    """Put every compatibility hook in place (idempotent, cheap: nothing is imported yet)."""
    global _installed
    if _installed:
        return
    _installed = True
    finder.before("torchvision", _lazy("torchvision_ops", "define_missing_operators"))
    finder.after("torchvision.datasets.mnist", _lazy("torchvision_mnist", "patch"))
    finder.after("nltk", _lazy("nltk_offline", "patch"))
    finder.after("torch", _lazy("devices", "patch_load"))
    finder.after("torch.hub", _lazy("hub", "patch"))
    finder.stand_in("tensorflow_datasets", lambda: importlib.import_module(f"{__name__}.tfds"))
    finder.stand_in("google.colab", _lazy("colab", "make_package"), parent_if_missing="google")
    sys.meta_path.insert(0, finder)
    _previous_hook = sys.excepthook

    def excepthook(kind: Any, value: Any, tb: Any) -> None:
        _previous_hook(kind, value, tb)
        _lazy("missing", "print_explanation")(value)

    sys.excepthook = excepthook
    try:
        here = os.getcwd()
    except OSError:  # a working folder that was removed
        return
    if here != "/":
        activate(here)


def activate(workspace: str) -> None:
    """The student's code lives in ``workspace``: name its lines in notes, map CUDA if it asks for it."""
    from . import devices, notes

    notes.set_workspace(workspace)
    devices.enable_if_mentioned(workspace)


def _lazy(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, imported when first called (so that a start imports none of them)."""
    def call(*args: Any) -> Any:
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)(*args)
    call.__qualname__ = f"{module}.{name}"
    return call
