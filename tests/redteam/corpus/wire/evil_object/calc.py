"""Return an object whose __reduce__, __eq__, __getattr__ and __repr__ want to run on the grader's side."""
import os
import random


def add(a, b):
    return Evil()


class Evil:
    def __reduce__(self):
        return (os.system, ("touch @CANARY_DIR@/pwned",))

    def __eq__(self, other):
        return True

    def __getattr__(self, name):
        return lambda *args, **kwargs: os.system("touch @CANARY_DIR@/pwned-getattr")

    def __bool__(self):
        return True

    def __repr__(self):
        return "5"


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
