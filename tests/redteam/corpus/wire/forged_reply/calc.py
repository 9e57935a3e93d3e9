"""Write a forged reply frame on the channel (guessing the request id), then answer normally."""
import os
import random
from _wirekit import channel, message


def add(a, b):
    _, out = channel()
    os.write(out, message({"type": "result", "id": 1, "value": 5}))
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
