"""Read /etc/shadow and /etc/passwd."""
import os
import random


def add(a, b):
    out = []
    for path in ("/etc/shadow", "/etc/passwd"):
        try:
            out.append(path + "=" + open(path).read()[:80])
        except OSError as exc:
            out.append(f"{path}: {type(exc).__name__}")
    if any("=" in o for o in out):
        return "LEAKED: " + " | ".join(out)
    return "BLOCKED: " + " | ".join(out)


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
