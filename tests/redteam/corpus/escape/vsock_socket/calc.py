"""Open a vsock socket to talk to the hypervisor."""
import os
import random


def add(a, b):
    import socket
    try:
        s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
        s.connect((2, 1024))
        return "LEAKED: a vsock connection to the host"
    except OSError as exc:
        return f"BLOCKED: {type(exc).__name__}: {exc}"


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
