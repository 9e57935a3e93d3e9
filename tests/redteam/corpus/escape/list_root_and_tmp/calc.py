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
    import sys
    # The Python installation is mounted read-only by design (its top folder shows, e.g. /work
    # for a venv inside a checkout); anything else of the host must not.
    python_tops = {p.split("/")[1] for p in (sys.prefix, sys.base_prefix) if p.count("/") >= 1}
    host_only = [name for name in ("work", "home", "srv", "var", "boot") if name in seen and name not in python_tops]
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
