"""Attach to the parent process with ptrace (to read the grader's memory)."""
import os
import random


def add(a, b):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(16, os.getppid(), 0, 0) == 0:  # PTRACE_ATTACH
        return "LEAKED: attached to the parent"
    return f"BLOCKED: ptrace errno {ctypes.get_errno()}"


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
