"""A reply nested 100 000 lists deep, to blow the decoder's stack."""
import os
import random
import json
import struct


def add(a, b):
    _, out = _channel()
    header = b'{"msg": {"$dict": [["value", ' + b"[" * 100_000 + b"]" * 100_000 + b']]}, "buffers": []}'
    os.write(out, _frame(header))
    return 5


def _channel():
    """The worker's channel to the grader: the pipe fds it holds beyond stdin/stdout/stderr."""
    read_fd = write_fd = None
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd < 3:
            continue
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
            with open(f"/proc/self/fdinfo/{fd}") as info:
                flags = int(info.read().split("flags:")[1].split()[0], 8)
        except (OSError, IndexError, ValueError):
            continue
        if target.startswith("pipe:"):
            if flags & 3 == 1:
                write_fd = fd
            elif flags & 3 == 0:
                read_fd = fd
    return read_fd, write_fd


def _frame(header, *buffers):
    """One wire frame: length, header length, JSON header, raw buffers."""
    raw = json.dumps(header).encode() if not isinstance(header, bytes) else header
    payload = struct.pack("!I", len(raw)) + raw + b"".join(buffers)
    return struct.pack("!I", len(payload)) + payload


def _message(message):
    """A well-formed frame for ``message``, made with the worker's own protocol module."""
    from graderworker.protocol import encode_message

    payload = encode_message(message)
    return struct.pack("!I", len(payload)) + payload


def mul(a, b):
    return a * b


def work(n):
    return sum(range(n))


def roll():
    return random.random()


def make_plot():
    os.makedirs("results", exist_ok=True)
    with open("results/plot.txt", "w") as f:
        f.write("plot-ok")
