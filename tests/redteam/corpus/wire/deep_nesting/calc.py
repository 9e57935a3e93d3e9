"""A reply nested 100 000 lists deep, to blow the decoder's stack."""
import os
import random
from _wirekit import channel, frame


def add(a, b):
    _, out = channel()
    header = b'{"msg": {"$dict": [["value", ' + b"[" * 100_000 + b"]" * 100_000 + b']]}, "buffers": []}'
    os.write(out, frame(header))
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
