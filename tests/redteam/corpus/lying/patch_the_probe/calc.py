"""Make work() slow, then replace the grader's timing probe inside the worker with a liar."""
import os
import random

import sys
import time


def _fake_timed_call(fn, *args, repeat=3, warmup=1, kwargs=None):
    return {"best_s": 1e-9, "repeat": repeat}


_probes = sys.modules.get("graderworker.probes.common")
if _probes is None:
    import graderworker.probes.common as _probes
_probes.timed_call = _fake_timed_call


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def work(n):
    time.sleep(1.0)
    return sum(range(n))


def roll():
    return random.random()


def make_plot():
    os.makedirs("results", exist_ok=True)
    with open("results/plot.txt", "w") as f:
        f.write("plot-ok")
