"""Permission tricks: give files to root, make a device node, lock the grader out of a folder."""
import os
import random


def add(a, b):
    import stat
    report = []
    os.makedirs("trap/inner", exist_ok=True)
    open("trap/inner/f", "w").close()
    for what, action in (
        ("chown", lambda: os.chown("calc.py", 0, 0)),
        ("mknod", lambda: os.mknod("null-device", stat.S_IFCHR | 0o666, os.makedev(1, 3))),
        ("chmod host", lambda: os.chmod("@HOST_ROOT@", 0o755)),
    ):
        try:
            action()
            report.append(f"{what}: allowed")
        except OSError as exc:
            report.append(f"{what}: {type(exc).__name__}")
    os.chmod("trap/inner", 0)
    os.chmod("trap", 0)
    if any("allowed" in r for r in report):
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
