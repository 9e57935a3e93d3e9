"""Outputs the worker reported for a cell, checked and capped again on the trusted side.

The worker already caps them, but it runs the student's code: here every output is
rebuilt from known fields only (stream text, ``text/plain``, PNG or JPEG checked by its
magic bytes, error name/value/traceback), terminal escapes dropped, sizes capped.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from grader.worker.protocol import printable

__all__ = ["clean_outputs"]

_TEXT_CAP = 20_000
_IMAGE_CAP = 2 * 1024 * 1024
_OUTPUTS_CAP = 60
_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


def _text(value: Any, cap: int = _TEXT_CAP) -> str:
    if not isinstance(value, str):
        return ""
    value = value[:cap]
    return "\n".join(printable(line.replace("\t", "    ")) for line in value.split("\n"))


def _image(mime: str, value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > _IMAGE_CAP:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return value if raw.startswith(_MAGIC[mime]) else None


def clean_outputs(outputs: Any) -> list[dict]:
    """nbformat output dicts rebuilt from what the worker sent; anything unknown is dropped."""
    if not isinstance(outputs, list):
        return []
    cleaned: list[dict] = []
    for output in outputs[:_OUTPUTS_CAP]:
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            name = "stderr" if output.get("name") == "stderr" else "stdout"
            cleaned.append({"output_type": "stream", "name": name, "text": _text(output.get("text"))})
        elif kind in ("display_data", "execute_result"):
            data = output.get("data") if isinstance(output.get("data"), dict) else {}
            kept: dict[str, str] = {}
            if isinstance(data.get("text/plain"), str):
                kept["text/plain"] = _text(data["text/plain"], 4000)
            for mime in _MAGIC:
                image = _image(mime, data.get(mime))
                if image is not None:
                    kept[mime] = image
            if not kept:
                continue
            entry: dict[str, Any] = {"output_type": kind, "data": kept, "metadata": {}}
            if kind == "execute_result":
                count = output.get("execution_count")
                entry["execution_count"] = count if type(count) is int else None
            cleaned.append(entry)
        elif kind == "error":
            trace = output.get("traceback") if isinstance(output.get("traceback"), list) else []
            cleaned.append({"output_type": "error", "ename": _text(output.get("ename"), 200),
                            "evalue": _text(output.get("evalue"), 4000),
                            "traceback": [_text(line, 4000) for line in trace[:30]]})
    return cleaned
