"""Builds the submission: an entry compressed with deflate64, which the grader cannot read."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    """An entry compressed with method 9 (deflate64), which Python's zipfile cannot read."""
    path = dest / "submission.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("calc.py", GOOD)
    data = bytearray(path.read_bytes())
    for signature, method_at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.find(signature)
        data[at + method_at] = 9
    path.write_bytes(bytes(data))
    return path
