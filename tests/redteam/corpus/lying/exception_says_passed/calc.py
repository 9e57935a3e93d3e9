"""Raise an exception whose message pretends the tests passed, 100 kB long."""
import os
import random


def add(a, b):
    raise RuntimeError("1 of 1 tests passed. " + "All good! " * 10_000)


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
