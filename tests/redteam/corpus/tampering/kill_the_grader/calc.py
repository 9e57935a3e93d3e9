"""Signal the parent (the grader, or bubblewrap) and its process group, and pid 1."""
import os
import random


def add(a, b):
    import signal
    report = []
    parent = os.getppid()
    for what, action in (
        ("parent", lambda: os.kill(parent, signal.SIGKILL)),
        ("parent group", lambda: os.killpg(os.getpgid(parent), signal.SIGKILL)),
        ("pid 1", lambda: os.kill(1, signal.SIGKILL)),
    ):
        try:
            action()
            report.append(f"{what}: sent")
        except OSError as exc:
            report.append(f"{what}: {type(exc).__name__}")
    if any("sent" in r for r in report):
        return "LEAKED: " + "; ".join(report)
    return "BLOCKED: " + "; ".join(report)


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
