"""Builds the submission: a submitted folder holding a hard link to a file outside it."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    import os

    folder = dest / "submission"
    folder.mkdir()
    (folder / "calc.py").write_text(GOOD)
    os.link(host.root / "secret.txt", folder / "notes.txt")
    return folder
