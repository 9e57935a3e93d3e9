"""Builds the submission: a zip of 100 000 tiny files."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    """100 000 empty entries (built once, shared by both backends)."""
    path = host.root / "many_tiny_files.zip"
    if not path.exists():
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("calc.py", GOOD)
            for i in range(99_999):
                zf.writestr(f"d{i // 1000}/f{i}.txt", b"")
    return path
