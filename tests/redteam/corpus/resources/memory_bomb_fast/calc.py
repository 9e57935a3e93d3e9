"""Allocate 8 GiB at once."""
import os
import random


def add(a, b):
    hog = bytearray(8 * 2**30)
    return len(hog)


def mul(a, b):
    return a * b


def work(n):
    return sum(range(n))


def roll():
    return random.random()


def make_plot():
    os.makedirs("results", exist_ok=True)
    with open("results/plot.txt", "w") as f:
        f.write("plot-ok")
