"""Create empty files until something gives (100 000 tiny files)."""
import os
import random


def add(a, b):
    for n in range(100_000):
        open(f"tiny-{n}", "w").close()
    return "CREATED 100000 files"


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
