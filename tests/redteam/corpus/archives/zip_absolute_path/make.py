"""Builds the submission: a zip entry with an absolute path (/etc/cron.d/evil)."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    path = dest / "submission.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("calc.py", GOOD)
        zf.writestr("/etc/cron.d/evil", "* * * * * root sh")
    return path
