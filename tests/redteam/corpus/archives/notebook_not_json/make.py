"""Builds the submission: a notebook that is not JSON."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    path = dest / "hw1.ipynb"
    path.write_bytes(b"{ this is not json " + b"\xff" * 100)
    return path
