"""Write a result file far larger than the grader wants to read."""
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
    with open("results/plot.txt", "wb") as f:
        f.write(b"plot-ok" * 1_000_000)
