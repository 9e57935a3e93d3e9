"""Write files outside the workspace: a world-writable folder of the host, the grader's folders."""
import os
import random


def add(a, b):
    wrote, refused = [], []
    for path in ("@CANARY_DIR@/planted.txt", "@HOST_ROOT@/planted.txt", "/run/grader/graderworker/planted.py"):
        try:
            with open(path, "w") as f:
                f.write("planted")
            wrote.append(path)
        except OSError as exc:
            refused.append(f"{os.path.basename(path)}: {type(exc).__name__}")
    if wrote:
        return f"LEAKED: wrote {wrote}; refused {refused}"
    return "BLOCKED: " + "; ".join(refused)


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
