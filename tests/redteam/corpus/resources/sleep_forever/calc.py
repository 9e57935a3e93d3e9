"""Sleep forever inside a call, ignoring SIGTERM."""
import os
import random


def add(a, b):
    import signal
    import time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(10**6)


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
