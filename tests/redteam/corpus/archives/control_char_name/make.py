"""Builds the submission: a file name holding a terminal escape sequence."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    path = dest / "submission.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("calc.py", GOOD)
        zf.writestr("\x1b[2Jreadme.md", "terminal escape in a file name")
    return path
