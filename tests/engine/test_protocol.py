"""The wire protocol: what it carries exactly, and what it refuses."""

from __future__ import annotations

import json
import math
import struct
from collections import OrderedDict

import numpy as np
import pytest
import torch

from grader.worker.protocol import Handle, ProtocolError, decode_message, encode_message


def roundtrip(value):  # type: ignore[no-untyped-def]
    return decode_message(encode_message({"type": "result", "value": value}))["value"]


@pytest.mark.parametrize("value", [None, True, 0, -5, 2**70, 1.5, "héllo", [1, [2, "x"]], (1, (2.0,)),
                                   {"a": 1, 3: "b", (1, 2): None}, b"\x00\xff"])
def test_plain_values_roundtrip_exactly(value):
    got = roundtrip(value)
    assert got == value and type(got) is type(value)


def test_non_finite_floats_survive():
    got = roundtrip([math.nan, math.inf, -math.inf])
    assert math.isnan(got[0]) and got[1] == math.inf and got[2] == -math.inf


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.bool, torch.bfloat16, torch.uint8])
def test_tensors_roundtrip_with_dtype_and_shape(dtype):
    t = (torch.randn(3, 4, 5) * 10).to(dtype)
    got = roundtrip(t)
    assert got.dtype == dtype and got.shape == t.shape and torch.equal(got, t)


def test_tensor_views_and_parameters_arrive_as_plain_contiguous_tensors():
    p = torch.nn.Parameter(torch.randn(4, 6))
    got = roundtrip({"p": p, "view": p.detach().t()[1:]})
    assert type(got["p"]) is torch.Tensor and not got["p"].requires_grad
    assert torch.equal(got["view"], p.detach().t()[1:])


def test_empty_and_scalar_arrays():
    assert roundtrip(torch.empty(0, 3)).shape == (0, 3)
    assert roundtrip(np.float32(2.5)) == np.float32(2.5)
    arr = roundtrip(np.arange(6, dtype=np.int16).reshape(2, 3))
    assert arr.dtype == np.int16 and arr.tolist() == [[0, 1, 2], [3, 4, 5]]


def test_state_dict_ordereddict_travels_as_dict():
    got = roundtrip(OrderedDict(w=torch.ones(2)))
    assert type(got) is dict and torch.equal(got["w"], torch.ones(2))


def test_objects_that_are_not_data_become_handles_only_when_allowed():
    class Thing:
        pass

    with pytest.raises(ProtocolError, match="only data and handles"):
        encode_message({"type": "result", "value": Thing()})
    payload = encode_message({"type": "result", "value": Thing()}, make_handle=lambda obj: Handle(7, "Thing", "t"))
    assert decode_message(payload)["value"] == Handle(7, "Thing", "t")


def _msg(value: object) -> dict:
    """A request whose 'v' field holds a raw, hand-written encoded value."""
    return {"$dict": [["type", "x"], ["v", value]]}


def _frame(header: dict, *buffers: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("!I", len(raw)) + raw + b"".join(buffers)


@pytest.mark.parametrize("payload, match", [
    (b"\x00\x00", "shorter"),
    (struct.pack("!I", 10**9) + b"{}", "does not fit"),
    (struct.pack("!I", 3) + b"{{{", "not JSON"),
    (_frame({"msg": {"type": "x"}, "buffers": [5]}), "do not add up"),
    (_frame({"msg": _msg({"$pickle": "..."}), "buffers": []}), "unknown tag"),
    (_frame({"msg": _msg({"$tensor": {"dtype": "float32", "shape": [10], "buf": 0}}),
             "buffers": [4]}, b"\x00" * 4), "needs 40 bytes"),
    (_frame({"msg": _msg({"$tensor": {"dtype": "object", "shape": [1], "buf": 0}}),
             "buffers": [8]}, b"\x00" * 8), "bad tensor dtype"),
    (_frame({"msg": _msg({"$ndarray": {"dtype": "float64", "shape": [-1], "buf": 0}}),
             "buffers": [8]}, b"\x00" * 8), "bad shape"),
    (_frame({"msg": _msg({"$tensor": {"dtype": "float32", "shape": [1], "buf": 3}}),
             "buffers": []}), "out of range"),
    (_frame({"msg": [1, 2], "buffers": []}), "must be a dict"),
    (_frame({"msg": _msg({"a": 1, "b": 2}), "buffers": []}), "one '\\$' key"),
])
def test_malformed_frames_are_refused_with_a_reason(payload, match):
    with pytest.raises(ProtocolError, match=match):
        decode_message(payload)


def test_deep_nesting_is_refused():
    value: list = []
    for _ in range(200):
        value = [value]
    with pytest.raises(ProtocolError, match="nested deeper"):
        encode_message({"type": "result", "value": value})
    deep = _msg(json.loads("[" * 200 + "]" * 200))
    with pytest.raises(ProtocolError, match="nested deeper"):
        decode_message(_frame({"msg": deep, "buffers": []}))
