"""Make the result's folder a symbolic link to a host folder."""
import os
import random


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def work(n):
    return sum(range(n))


def roll():
    return random.random()


def make_plot():
    os.symlink("@HOST_ROOT@", "results")
