"""Send a tensor whose header claims 1000 float32s but whose buffer holds 4 bytes."""
import os
import random
from _wirekit import channel, frame


def add(a, b):
    _, out = channel()
    value = {"$tensor": {"dtype": "float32", "shape": [1000], "buf": 0}}
    msg = {"$dict": [["type", "result"], ["id", 1], ["value", value]]}
    os.write(out, frame({"msg": msg, "buffers": [4]}, b"\0" * 4))
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
