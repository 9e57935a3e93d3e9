"""Helpers the wire attacks share: find the worker's channel and forge frames on it.

The harness copies every ``_*.py`` of a family folder into each submission of that family,
so an attack imports them like any module of its own.
"""
import json
import struct
import os


def channel():
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


def frame(header, *buffers):
    """One wire frame: length, header length, JSON header, raw buffers."""
    raw = json.dumps(header).encode() if not isinstance(header, bytes) else header
    payload = struct.pack("!I", len(raw)) + raw + b"".join(buffers)
    return struct.pack("!I", len(payload)) + payload


def message(message):
    """A well-formed frame for ``message``, made with the worker's own protocol module."""
    from graderworker.protocol import encode_message

    payload = encode_message(message)
    return struct.pack("!I", len(payload)) + payload
