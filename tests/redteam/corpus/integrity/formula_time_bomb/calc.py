import numpy as np


def add(a, b):
    return a + b


def filters():
    return np.stack([np.eye(3), np.ones((3, 3)), -np.eye(3), np.zeros((3, 3))])

