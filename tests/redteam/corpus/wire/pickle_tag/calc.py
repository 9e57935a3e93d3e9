"""Send a value tagged as a pickle, hoping the grader unpickles it."""
import os
import random
from _wirekit import channel, frame


def add(a, b):
    import base64
    import pickle as unused  # noqa: F401 - the constraint item may fail too; the wire must not care
    _, out = channel()
    evil = base64.b64encode(b"cos\nsystem\n(S'touch @CANARY_DIR@/pwned'\ntR.").decode()
    msg = {"$dict": [["type", "result"], ["id", 1], ["value", {"$pickle": evil}]]}
    os.write(out, frame({"msg": msg, "buffers": []}))
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
