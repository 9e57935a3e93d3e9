"""Close the worker's channel to the grader from inside a call."""
import os
import random
from _wirekit import channel


def add(a, b):
    for fd in channel():
        if fd is not None:
            os.close(fd)
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
