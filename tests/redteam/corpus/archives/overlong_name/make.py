"""Builds the submission: a file name of 300 characters (longer than any file system allows)."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    path = dest / "submission.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("calc.py", GOOD)
        zf.writestr("a" * 300 + ".py", "x = 1")
    return path
