"""Write 1 GB straight to fd 2."""
import os
import random


def add(a, b):
    chunk = b"e" * 2**20
    for _ in range(1024):
        os.write(2, chunk)
    return a + b


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
