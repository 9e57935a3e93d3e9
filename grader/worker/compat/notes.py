"""What a compatibility hook did, in words for the student's report.

A hook calls ``record("device", "...")``; the worker (``graderworker.server``) sends the notes
not yet sent with its next reply (``"notes": [...]``), and the trusted side lists them in the
report as the grader's own notes. ``where()`` names the student's line that triggered a hook.
"""

from __future__ import annotations

import os
import sys

__all__ = ["record", "take_new", "all_notes", "where", "at", "set_workspace", "workspace"]

_MAX_NOTES = 40
_notes: list[str] = []
_sent = 0
_keys: set[str] = set()
_workspace = [os.path.realpath(os.getcwd())]


def set_workspace(path: str) -> None:
    """The folder holding the student's files (the worker's workspace)."""
    _workspace[0] = os.path.realpath(path)


def workspace() -> str:
    return _workspace[0]


def record(key: str, text: str) -> None:
    """Keep ``text`` once per ``key`` (a hook that fires a thousand times says it once)."""
    if key in _keys or len(_notes) >= _MAX_NOTES:
        return
    _keys.add(key)
    _notes.append(text[:500])


def take_new() -> list[str]:
    """The notes recorded since the last call (what the next reply carries)."""
    global _sent
    new = _notes[_sent:]
    _sent = len(_notes)
    return new


def all_notes() -> list[str]:
    return list(_notes)


def where(skip: int = 1) -> str:
    """``gd.py:12`` or ``cell 3, line 2``: the innermost frame of the student's code, or ``""``."""
    root = _workspace[0] + os.sep
    frame = sys._getframe(skip)
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith("<notebook cell "):
            return f"{name[1:-1].replace('notebook ', '')}, line {frame.f_lineno}"
        if name and not name.startswith("<") and os.path.realpath(name).startswith(root):
            return f"{os.path.relpath(name, _workspace[0])}:{frame.f_lineno}"
        frame = frame.f_back
    return ""


def at(skip: int = 2) -> str:
    """`` (at gd.py:12)`` or ``""``."""
    place = where(skip + 1)
    return f" (at {place})" if place else ""
