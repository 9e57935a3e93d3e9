"""Builds the submission: a zip entry that is a symbolic link to /etc."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    import stat

    path = dest / "submission.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("calc.py", GOOD)
        info = zipfile.ZipInfo("results")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc")
    return path
