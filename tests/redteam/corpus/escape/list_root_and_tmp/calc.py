"""List / and /tmp, looking for anything of the host: project folders, other jobs' files."""
import os
import random


def add(a, b):
    import glob
    seen = sorted(os.listdir("/"))
    for path in glob.glob("/tmp/*/secret.txt") + glob.glob("/tmp/*/*/secret.txt") + glob.glob("@HOST_ROOT@/*.txt"):
        try:
            return "LEAKED: " + path + ": " + open(path).read()
        except OSError:
            pass
    host_only = [name for name in ("work", "home", "srv", "var", "boot") if name in seen]
    if host_only:
        return f"LEAKED: host folders visible: {host_only}"
    return f"BLOCKED: / holds only {seen}"


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
