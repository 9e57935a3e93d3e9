"""Python imports this package instead of calc.py: the rules read a clean calc.py while this runs."""
import pickle  # noqa: F401 - what the rule forbids, where the rule does not look


def add(a, b):
    return a + b


def mul(a, b):
    return a * b
