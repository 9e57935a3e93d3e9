"""Return NaN where a number is expected (NaN compares unequal to everything, even itself)."""
import os
import random


def add(a, b):
    return float("nan")


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
