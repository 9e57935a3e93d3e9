"""Spin the CPU in many children: RLIMIT_CPU counts per process, so give each only a little."""
import os
import random


def add(a, b):
    pids = []
    for _ in range(6):
        pid = os.fork()
        if pid == 0:
            while True:
                pass
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    return "SPUN"


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
