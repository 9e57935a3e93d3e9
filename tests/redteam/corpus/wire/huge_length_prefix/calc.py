"""Announce a 4 GiB frame, hoping the grader allocates it."""
import os
import random
from _wirekit import channel


def add(a, b):
    _, out = channel()
    os.write(out, b"\xff\xff\xff\xff")
    return 5


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
