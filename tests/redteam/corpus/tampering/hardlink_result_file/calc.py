"""Make the result file a hard link: to a host file if the kernel allows, else to its own source."""
import os
import random


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def work(n):
    return sum(range(n))


def roll():
    return random.random()


def make_plot():
    os.makedirs("results", exist_ok=True)
    try:
        os.link("@HOST_ROOT@/plot.txt", "results/plot.txt")
    except OSError:
        os.link("calc.py", "results/plot.txt")
