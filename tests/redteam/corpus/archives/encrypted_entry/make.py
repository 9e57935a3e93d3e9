"""Builds the submission: a password-protected (encrypted) entry."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    """A zip whose calc.py is marked encrypted (flag bit 0), as a password-protected zip is."""
    path = dest / "submission.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("calc.py", GOOD)
    data = bytearray(path.read_bytes())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + flag_at] |= 1
    path.write_bytes(bytes(data))
    return path
