"""Raise KeyboardInterrupt and SystemExit, hoping the worker's loop dies with them."""
import os
import random


def add(a, b):
    raise KeyboardInterrupt("stop the grader")


def _unused():
    raise SystemExit(0)


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
