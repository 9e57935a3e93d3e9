"""Builds the submission: a submitted folder holding a symbolic link to a file outside it."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    folder = dest / "submission"
    folder.mkdir()
    (folder / "calc.py").write_text(GOOD)
    (folder / "notes.txt").symlink_to(host.root / "secret.txt")
    return folder
