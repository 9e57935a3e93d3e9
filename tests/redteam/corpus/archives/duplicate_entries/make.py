"""Builds the submission: two entries named calc.py (which one wins depends on the tool)."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    import warnings

    path = dest / "submission.zip"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("calc.py", GOOD)
            zf.writestr("calc.py", "def add(a, b):\n    return 'the second calc.py'\n")
    return path
