"""The data-only wire protocol between the trusted grader and the sandboxed worker.

A frame is ``!I`` length + payload; the payload is ``!I`` header length, a UTF-8 JSON
header, then raw buffers. The header is ``{"msg": <message>, "buffers": [nbytes, ...]}``.
Messages are tagged plain data (``{"type": "call", ...}``). Values inside a message are
JSON, except tagged objects with one ``$``-key:

=============  =========================================================
``$f``         a non-finite float: ``"nan"``, ``"inf"``, ``"-inf"``
``$tuple``     a tuple (list of encoded values)
``$dict``      a dict as ``[[key, value], ...]`` (keys may be non-strings)
``$bytes``     a buffer index
``$ndarray``   ``{dtype, shape, buf, scalar}``: a numpy array or scalar
``$tensor``    ``{dtype, shape, buf}``: a torch tensor (always a plain, detached copy)
``$handle``    ``{id, type, repr}``: an object that stays on the side that owns it
=============  =========================================================

Nothing is ever pickled: decoding builds only the types above, checks that a buffer's
byte count matches dtype x shape, and refuses anything else with ``ProtocolError``.
This module runs on both sides of the boundary, so it imports only the standard
library at module level (numpy and torch are imported when a value needs them) and
must never import from the ``grader`` package.
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass
from typing import Any, Callable

__all__ = [
    "ProtocolError",
    "Handle",
    "encode_message",
    "decode_message",
    "read_frame",
    "write_frame",
    "MAX_DEPTH",
    "printable",
]

_LEN = struct.Struct("!I")
MAX_DEPTH = 64
#: header JSON above this size is refused before parsing (it holds no bulk data)
MAX_HEADER_BYTES = 8 * 1024 * 1024

_NUMPY_DTYPES = frozenset(
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 "
    "float16 float32 float64 complex64 complex128".split()
)
_TORCH_DTYPES = frozenset(
    "bool int8 int16 int32 int64 uint8 float16 bfloat16 float32 float64 complex64 complex128".split()
)


class ProtocolError(Exception):
    """A frame or value that does not follow the protocol; the peer is not trusted after it."""


@dataclass(frozen=True)
class Handle:
    """A reference to an object that lives on the other side (by id), with a safe description."""

    id: int
    type: str = "object"
    repr: str = ""


def safe_repr(obj: Any, limit: int = 120) -> str:
    """``repr`` that survives a crashing or huge ``__repr__`` (used only in the worker)."""
    try:
        text = repr(obj)
    except BaseException as exc:  # noqa: BLE001 - a student's __repr__ may raise anything
        text = f"<{type(obj).__name__} object (repr failed: {type(exc).__name__})>"
    if not isinstance(text, str):
        text = f"<{type(obj).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def printable(text: str) -> str:
    """``text`` without control or bidi-override characters (no terminal escapes, no reversed text)."""
    return "".join(c if c.isprintable() and c not in _BIDI else "\ufffd" for c in text)


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


# --------------------------------------------------------------------------- encoding


class _Encoder:
    def __init__(self, make_handle: Callable[[Any], Handle] | None):
        self.buffers: list[bytes | memoryview] = []
        self._make_handle = make_handle

    def _buffer(self, data: bytes | memoryview) -> int:
        self.buffers.append(data)
        return len(self.buffers) - 1

    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError(f"value nested deeper than {MAX_DEPTH} levels")
        t = type(value)
        if value is None or t is bool or t is str or t is int:
            return value
        if t is float:
            if math.isfinite(value):
                return value
            return {"$f": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
        if t is list:
            return [self.encode(v, depth + 1) for v in value]
        if t is tuple:
            return {"$tuple": [self.encode(v, depth + 1) for v in value]}
        if t is dict:
            return {"$dict": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
        if t is bytes:
            return {"$bytes": self._buffer(value)}
        if t is Handle:
            return {"$handle": {"id": value.id, "type": value.type, "repr": value.repr}}
        encoded = self._encode_array(value)
        if encoded is not None:
            return encoded
        # Subclasses (OrderedDict from state_dict(), namedtuples) travel as their plain base type.
        if isinstance(value, dict):
            return {"$dict": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in dict.items(value)]}
        if isinstance(value, (list, tuple)):
            items = [self.encode(v, depth + 1) for v in (list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value))]
            return items if isinstance(value, list) else {"$tuple": items}
        if self._make_handle is None:
            raise ProtocolError(f"cannot send a {t.__name__}: only data and handles cross the wire")
        return self.encode(self._make_handle(value), depth)

    def _encode_array(self, value: Any) -> dict | None:
        module = type(value).__module__ or ""
        if module.startswith("numpy"):
            import numpy as np

            if isinstance(value, np.generic) and value.dtype.name in _NUMPY_DTYPES:
                arr = np.asarray(value)
                return self._ndarray(arr, scalar=True)
            if type(value) is np.ndarray and value.dtype.name in _NUMPY_DTYPES:
                return self._ndarray(value, scalar=False)
            return None
        if "torch" not in module and not _is_tensor(value):
            return None
        import torch

        if not isinstance(value, torch.Tensor):
            return None
        # A subclass (nn.Parameter, or a student's own) is sent as its plain data only.
        tensor = torch.Tensor.detach(value)
        if tensor.layout != torch.strided or tensor.is_quantized or tensor.device.type == "meta":
            return None
        dtype = str(tensor.dtype).removeprefix("torch.")
        if dtype not in _TORCH_DTYPES:
            return None
        tensor = tensor.cpu().contiguous()
        raw = tensor.view(torch.int16) if dtype == "bfloat16" else tensor
        data = raw.numpy().tobytes() if raw.numel() else b""
        return {"$tensor": {"dtype": dtype, "shape": list(tensor.shape), "buf": self._buffer(data)}}

    def _ndarray(self, arr: Any, *, scalar: bool) -> dict:
        import numpy as np

        data = np.ascontiguousarray(arr).tobytes()
        return {"$ndarray": {"dtype": arr.dtype.name, "shape": list(arr.shape), "buf": self._buffer(data), "scalar": scalar}}


def _is_tensor(value: Any) -> bool:
    torch = _loaded("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _loaded(name: str) -> Any:
    import sys

    return sys.modules.get(name)


def encode_message(message: dict, make_handle: Callable[[Any], Handle] | None = None) -> bytes:
    """Encode a message dict to one frame payload (without the outer length prefix)."""
    encoder = _Encoder(make_handle)
    body = encoder.encode(message)
    header = json.dumps({"msg": body, "buffers": [len(b) for b in encoder.buffers]}, allow_nan=False).encode()
    return b"".join([_LEN.pack(len(header)), header, *[bytes(b) for b in encoder.buffers]])


# --------------------------------------------------------------------------- decoding


class _Decoder:
    def __init__(self, buffers: list[memoryview], resolve_handle: Callable[[Handle], Any] | None):
        self.buffers = buffers
        self._resolve = resolve_handle

    def _buf(self, index: Any) -> memoryview:
        if type(index) is not int or not 0 <= index < len(self.buffers):
            raise ProtocolError(f"buffer index {index!r} out of range")
        return self.buffers[index]

    def decode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError(f"value nested deeper than {MAX_DEPTH} levels")
        t = type(value)
        if value is None or t in (bool, int, float, str):
            return value
        if t is list:
            return [self.decode(v, depth + 1) for v in value]
        if t is not dict or len(value) != 1:
            raise ProtocolError("malformed value: expected a tagged object with one '$' key")
        (tag, body), = value.items()
        if tag == "$f":
            if body not in ("nan", "inf", "-inf"):
                raise ProtocolError(f"bad float tag {body!r}")
            return float(body)
        if tag == "$tuple":
            return tuple(self.decode(v, depth + 1) for v in _list(body))
        if tag == "$dict":
            out = {}
            for pair in _list(body):
                if type(pair) is not list or len(pair) != 2:
                    raise ProtocolError("malformed $dict entry")
                key = self.decode(pair[0], depth + 1)
                if not isinstance(key, (str, int, float, bool, tuple, type(None))):
                    raise ProtocolError(f"unhashable dict key of type {type(key).__name__}")
                out[key] = self.decode(pair[1], depth + 1)
            return out
        if tag == "$bytes":
            return bytes(self._buf(body))
        if tag == "$ndarray":
            return self._ndarray(body)
        if tag == "$tensor":
            return self._tensor(body)
        if tag == "$handle":
            if type(body) is not dict or type(body.get("id")) is not int:
                raise ProtocolError("malformed handle")
            handle = Handle(body["id"], printable(str(body.get("type", "object"))[:200]),
                            printable(str(body.get("repr", ""))[:500]))
            return self._resolve(handle) if self._resolve else handle
        raise ProtocolError(f"unknown tag {tag!r}")

    def _shape(self, body: dict) -> tuple[int, ...]:
        shape = body.get("shape")
        if type(shape) is not list or len(shape) > 32 or any(type(d) is not int or d < 0 for d in shape):
            raise ProtocolError(f"bad shape {shape!r}")
        return tuple(shape)

    def _ndarray(self, body: Any) -> Any:
        import numpy as np

        if type(body) is not dict or body.get("dtype") not in _NUMPY_DTYPES:
            raise ProtocolError(f"bad ndarray dtype {body.get('dtype') if type(body) is dict else body!r}")
        shape = self._shape(body)
        dtype = np.dtype(body["dtype"])
        data = self._buf(body.get("buf"))
        if math.prod(shape) * dtype.itemsize != len(data):
            raise ProtocolError(f"ndarray of shape {shape} and dtype {dtype} needs "
                                f"{math.prod(shape) * dtype.itemsize} bytes, got {len(data)}")
        arr = np.frombuffer(data, dtype=dtype).reshape(shape).copy()
        return arr[()] if body.get("scalar") is True and arr.ndim == 0 else arr

    def _tensor(self, body: Any) -> Any:
        import torch

        if type(body) is not dict or body.get("dtype") not in _TORCH_DTYPES:
            raise ProtocolError(f"bad tensor dtype {body.get('dtype') if type(body) is dict else body!r}")
        shape = self._shape(body)
        dtype = getattr(torch, body["dtype"])
        itemsize = torch.empty((), dtype=dtype).element_size()
        data = self._buf(body.get("buf"))
        if math.prod(shape) * itemsize != len(data):
            raise ProtocolError(f"tensor of shape {list(shape)} and dtype {body['dtype']} needs "
                                f"{math.prod(shape) * itemsize} bytes, got {len(data)}")
        if not data:
            return torch.empty(shape, dtype=dtype)
        raw_dtype = torch.int16 if dtype == torch.bfloat16 else dtype
        flat = torch.frombuffer(bytearray(data), dtype=raw_dtype)
        return (flat.view(torch.bfloat16) if dtype == torch.bfloat16 else flat).reshape(shape)


def _list(body: Any) -> list:
    if type(body) is not list:
        raise ProtocolError("malformed value: expected a list")
    return body


def decode_message(payload: bytes | memoryview, resolve_handle: Callable[[Handle], Any] | None = None) -> dict:
    """Decode one frame payload; raises ``ProtocolError`` on anything malformed."""
    view = memoryview(payload)
    if len(view) < _LEN.size:
        raise ProtocolError("frame shorter than its header length")
    (header_len,) = _LEN.unpack(view[: _LEN.size])
    if header_len > MAX_HEADER_BYTES or _LEN.size + header_len > len(view):
        raise ProtocolError(f"header length {header_len} does not fit the frame")
    try:
        header = json.loads(bytes(view[_LEN.size : _LEN.size + header_len]))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ProtocolError(f"header is not JSON: {str(exc)[:200]}") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise ProtocolError(f"header holds a value that cannot be read: {str(exc)[:200]}") from None
    if type(header) is not dict or type(header.get("buffers")) is not list or "msg" not in header:
        raise ProtocolError("header must be {'msg': ..., 'buffers': [...]} ")
    sizes = header["buffers"]
    if any(type(n) is not int or n < 0 for n in sizes):
        raise ProtocolError("bad buffer sizes")
    offset = _LEN.size + header_len
    if offset + sum(sizes) != len(view):
        raise ProtocolError("buffer sizes do not add up to the frame length")
    buffers = []
    for n in sizes:
        buffers.append(view[offset : offset + n])
        offset += n
    message = _Decoder(buffers, resolve_handle).decode(header["msg"])
    if type(message) is not dict or type(message.get("type")) is not str:
        raise ProtocolError("a message must be a dict with a string 'type'")
    return message


# --------------------------------------------------------------------------- framing


def write_frame(fd: int, payload: bytes) -> None:
    data = memoryview(_LEN.pack(len(payload)) + payload)
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _read_exact(fd: int, n: int) -> bytes:
    chunks: list[bytes] = []
    remaining = n
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, max_bytes: int) -> bytes:
    """Read one frame; a length prefix above ``max_bytes`` is refused before reading the body."""
    (length,) = _LEN.unpack(_read_exact(fd, _LEN.size))
    if length > max_bytes:
        raise ProtocolError(f"message of {length} bytes exceeds the {max_bytes}-byte cap")
    return _read_exact(fd, length)
