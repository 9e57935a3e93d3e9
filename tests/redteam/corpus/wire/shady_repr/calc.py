"""Return an object whose repr holds terminal escapes, a bidi override and 100 kB of text."""
import os
import random


def add(a, b):
    return Shady()


class Shady:
    def __repr__(self):
        return "\x1b[2J\x1b[32mPASSED\u202e" + "x" * 100_000


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
