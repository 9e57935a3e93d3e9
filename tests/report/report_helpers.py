"""Builders shared by the report tests: items of every status and a tiny PNG writer.

Kept out of ``conftest.py`` so tests can import the constants by name.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.results.models import Artifact, ItemResult, ItemStatus, SubmissionResult

SECRET = "INSTRUCTOR-ONLY: hidden test tests/hidden/test_conv.py::test_ref line 42"
HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'
LOSS_CURVE = "artifacts/3/loss_curve.png"

ItemFactory = Callable[..., ItemResult]
ResultFactory = Callable[..., SubmissionResult]


def item(**overrides: Any) -> ItemResult:
    fields: dict[str, Any] = {
        "id": "1.1", "title": "Conv2d forward", "points": 3.0, "max_points": 3.0,
        "status": ItemStatus.PASSED, "instructor_detail": SECRET,
    }
    fields.update(overrides)
    return ItemResult(**fields)


def all_statuses() -> tuple[ItemResult, ...]:
    """Passed, partial, failed, error, manual and extra credit: 12 regular points + 1 bonus."""
    return (
        item(
            id="1.1", title="Conv2d forward matches torch", points=3, max_points=3,
            note="Your Conv2d must give the same output as torch.nn.Conv2d (3 pts).",
            messages=("Output matches torch.nn.Conv2d on 16 random inputs (atol 1e-4).",),
            duration_s=0.82,
        ),
        item(
            id="1.2", title="Backward pass", points=1.5, max_points=2,
            status=ItemStatus.PARTIAL,
            note="Gradients w.r.t. input and weight: 1 pt each, 0.5 if close.",
            messages=(
                ("weight gradient is close but not equal to the reference\n"
                "  shape (8, 3, 3, 3): 12 of 216 elements differ\n"
                "  max abs error 3.1e-02, max rel error 4.7e-01\n"
                "  index        | got    | expected\n"
                "  (0, 1, 2, 2) | 0.4121 | 0.3810"),
                "input gradient matches (atol 1e-4).",
            ),
            output="epoch 0 grad norm 1.23\nepoch 1 grad norm 1.19",
            duration_s=1.4,
        ),
        item(
            id="2.1", title="FasterConv2d is at least 3x faster", points=0, max_points=2,
            status=ItemStatus.FAILED,
            note="FasterConv2d at least 3 times faster than Conv2d on a 64x3x32x32 batch.",
            messages=(
                "FasterConv2d took 41 ms, Conv2d 57 ms: 1.4x faster; at least 3x is required.",
            ),
            output="UserWarning: looping over output pixels in Python\n" * 3,
            duration_s=6.2,
        ),
        item(
            id="2.2", title="No F.conv2d in conv.py", points=0, max_points=1,
            status=ItemStatus.ERROR,
            messages=("The worker was killed after 60 s while importing conv.py.",),
        ),
        item(
            id="3", title="Training reaches 97% on MNIST", points=2, max_points=2,
            note="Train for at most 2 epochs; test accuracy at least 97%.",
            messages=("Test accuracy 98.1% (needs at least 97%).",),
            artifacts=(Artifact(title="Training loss per epoch", path=LOSS_CURVE),),
            duration_s=48.0,
        ),
        item(
            id="4.1", title="Why does padding keep the size?", points=0, max_points=2,
            status=ItemStatus.MANUAL,
            note="Explain why padding=1 with a 3x3 kernel keeps H and W (mention 'border').",
            messages=("Padding adds a border of one pixel so the kernel fits at the edges.",),
        ),
        item(
            id="5*", title="Depthwise separable conv", points=1, max_points=1,
            extra_credit=True,
            messages=("DepthwiseSeparableConv matches the reference.",),
        ),
    )


def write_png(path: Path, width: int = 320, height: int = 180) -> Path:
    """A small valid PNG (a falling curve), written without any imaging library."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            curve = int(height * 0.15 + (height * 0.7) * (1 - (x / width)) ** 3)
            ink = abs(y - (height - curve)) <= 1
            row += bytes((47, 91, 211) if ink else (255, 255, 255))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return path


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; raises if the file is not a PNG."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert head[12:16] == b"IHDR", f"{path} has no IHDR chunk first"
    width, height = struct.unpack(">II", head[16:24])
    return width, height
