"""A thread bomb: start threads until the kernel says no."""
import os
import random


def add(a, b):
    import threading
    import time
    started = 0
    while True:
        try:
            threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
        except RuntimeError as exc:
            raise RuntimeError(f"thread refused after {started} threads: {exc}") from None
        started += 1


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
