"""Open a raw netlink socket to read or change the routing tables."""
import os
import random


def add(a, b):
    import socket
    try:
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        return "LEAKED: a netlink socket"
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
