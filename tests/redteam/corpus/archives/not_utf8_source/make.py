"""Builds the submission: a calc.py saved in Latin-1 (not UTF-8)."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    folder = dest / "submission"
    folder.mkdir()
    (folder / "calc.py").write_bytes(GOOD.replace("import os", "GREETING = 'caf\xe9'\nimport os").encode("latin-1"))
    return folder
