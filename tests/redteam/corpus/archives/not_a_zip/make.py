"""Builds the submission: an executable renamed to .zip."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    path = dest / "submission.zip"
    path.write_bytes(b"MZ" + b"\x90" * 1000)
    return path
