"""Connect to a UNIX socket of the host (think /run/docker.sock) by its path."""
import os
import random


def add(a, b):
    import socket
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect("@UNIX_SOCKET@")
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
