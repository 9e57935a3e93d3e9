"""Leave a daemon behind with subprocess.Popen(start_new_session=True)."""
import os
import random


def add(a, b):
    import subprocess
    import time
    subprocess.Popen(["bash", "-c", "exec -a @MARKER@ sleep 300"], start_new_session=True)
    time.sleep(0.5)
    return _daemon_report()


def _daemon_report():
    """Proof that the daemon runs: its pid, found by its name in /proc."""
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if f.read().startswith(b"@MARKER@"):
                        return f"DAEMON running (pid {pid})"
            except OSError:
                pass
    return "DAEMON did not start"


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
