"""Connect to a TCP port the grader's machine listens on (127.0.0.1)."""
import os
import random


def add(a, b):
    import socket
    try:
        s = socket.create_connection(("127.0.0.1", @TCP_PORT@), timeout=2)
        return "LEAKED: " + s.recv(100).decode()
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
