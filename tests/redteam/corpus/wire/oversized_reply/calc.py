"""Return 16 MiB of bytes where a number is expected."""
import os
import random


def add(a, b):
    return b"\0" * (16 * 2**20)


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
