"""Read the rubric and the reference solution by guessing their paths."""
import os
import random


def add(a, b):
    found = []
    for path in ("@RUBRIC@", "@REFERENCE@"):
        try:
            found.append(open(path).read()[:200])
        except OSError as exc:
            found.append(f"{type(exc).__name__}")
    if all(f.endswith("Error") for f in found):
        return "BLOCKED: " + ", ".join(found)
    return "LEAKED: " + " | ".join(found)


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
