"""Resolve a name: DNS is the classic way out of a sandbox that forgot UDP 53."""
import os
import random


def add(a, b):
    import socket
    try:
        return "LEAKED: " + repr(socket.getaddrinfo("pypi.org", 443)[:1])
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
