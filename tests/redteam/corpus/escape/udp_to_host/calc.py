"""Send a UDP datagram to a port the grader's machine listens on."""
import os
import random


def add(a, b):
    import socket
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sent = s.sendto(b"exfiltrated", ("127.0.0.1", @UDP_PORT@))
        return f"SENT {sent} bytes"
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
