"""Builds the submission: a zip bomb: 64 MiB of zeros compressed to 64 kB."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    path = dest / "submission.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("calc.py", GOOD)
        zf.writestr("weights.bin", b"\0" * (64 * 2**20))
    return path
