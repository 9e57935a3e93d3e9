"""Builds the submission: a file name with a right-to-left override that disguises its extension."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    path = dest / "submission.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("calc.py", GOOD)
        zf.writestr("notes\u202etxt.py", "print('I look like notes.py.txt')")
    return path
