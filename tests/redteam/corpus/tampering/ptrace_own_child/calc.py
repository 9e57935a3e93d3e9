"""ptrace a child of its own: allowed by the kernel's uid rules, so only seccomp stops it."""
import os
import random


def add(a, b):
    import ctypes
    import signal
    import time
    libc = ctypes.CDLL(None, use_errno=True)
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    try:
        if libc.ptrace(16, pid, 0, 0) == 0:
            return "LEAKED: attached to a child"
        return f"BLOCKED: ptrace errno {ctypes.get_errno()}"
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


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
