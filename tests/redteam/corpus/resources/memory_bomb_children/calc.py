"""Split a memory bomb over four children, each under the per-process limit."""
import os
import random


def add(a, b):
    import time
    pids = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            hog = b"\x01" * (350 * 2**20)
            time.sleep(1)
            os._exit(0)
        pids.append(pid)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
    return f"CHILDREN ended with {codes}"


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
