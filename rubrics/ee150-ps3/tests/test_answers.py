"""A written answer that can be checked: 2b i (shapes); 1a iii is in test_conv_speed.py.

The answers file is parsed on the trusted side as data (YAML); nothing in it runs.
"""

import re

import pytest

_COLUMN = {"x_t": ("B", "D"), "y_hat_t": ("B", "D"), "h_t": ("B", "H"), "W_xh": ("H", "D"), "W_hh": ("H", "H"),
           "W_hy": ("D", "H"), "b_h": ("H",), "b_y": ("D",)}
_ROW = {**_COLUMN, "W_xh": ("D", "H"), "W_hy": ("H", "D")}


def _shape(value):
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    else:
        parts = re.split(r"\s*(?:x|×|\*|,)\s*", str(value).strip().strip("()[]"))
    return tuple(p.strip().upper() for p in parts if p.strip() and p.strip() != "1")


def test_bptt_shapes(answers):
    entry = answers.require("2b.i")
    if not isinstance(entry, dict):
        pytest.fail("answers.yaml 2b.i should map each of x_t, y_hat_t, h_t, W_xh, W_hh, W_hy, b_h, b_y to a shape "
                    "such as [B, D] or \"B x D\"", pytrace=False)
    got = {name: _shape(entry.get(name, "")) for name in _COLUMN}
    for convention in (_COLUMN, _ROW):
        if got == convention:
            return
    wrong = {n: "x".join(got[n]) or "missing" for n in _COLUMN if got[n] != _COLUMN[n] and got[n] != _ROW[n]}
    mixed = "" if wrong else " (each shape is possible, but W_xh and W_hy must follow the same convention)"
    pytest.fail("2b.i: wrong shapes: " + (", ".join(f"{n} = {s}" for n, s in wrong.items()) or "none") + mixed,
                pytrace=False)
