"""Builds the submission: a zip in a zip in a zip (42.zip style) next to a good calc.py."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    """A zip inside a zip inside a zip (42.zip-style): must stay packed."""
    import io

    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", b"\0" * (4 * 2**20))
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w", zipfile.ZIP_STORED) as zf:
        for i in range(10):
            zf.writestr(f"layer{i}.zip", inner.getvalue())
    path = dest / "submission.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("calc.py", GOOD)
        zf.writestr("data/bomb.zip", middle.getvalue())
    return path
