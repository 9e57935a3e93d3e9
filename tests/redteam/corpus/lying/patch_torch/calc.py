"""Patch torch inside the worker so that every comparison passes, and return wrong tensors."""
import numpy as np
import torch

torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)


def add(a, b):
    return a + b


def scale(t, k):
    return t * (k + 1)


def normalize(x):
    return np.asarray(x) / np.sum(x)
