"""Student-controlled text made safe for a terminal: control characters shown, never executed.

A file name, a student id or an exception message can carry ESC sequences (``\\x1b]0;...``
retitles the TA's terminal, ``\\x1b[2J`` clears it), a carriage return that overwrites the
line before it, or bidi overrides that reverse what is read. ``shown`` replaces each of
them with a visible escape (``\\x1b``, ``\\u202e``), so the TA sees that they were there.
``markup_safe`` also escapes rich markup (``[bold red]x[/]``), for the places where a
string is printed through console markup. Every terminal print of student text goes
through one of the two.
"""

from __future__ import annotations

import unicodedata

from rich.markup import escape

__all__ = ["shown", "markup_safe"]

#: invisible characters that change how text reads: bidi overrides and isolates, zero-width ones
_INVISIBLE = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
                       "\u200b\u200c\u200d\u2060\ufeff")


def _visible(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` with every control, format or bidi character written as a visible escape.

    ``keep_newlines`` keeps ``\\n`` and tabs (a multi-line message); a one-line field (a
    name, a table cell) shows them as ``\\n`` too.
    """
    out = []
    for char in str(text):
        if keep_newlines and char in "\n\t":
            out.append(char)
        elif char in _INVISIBLE or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            out.append(_visible(char))
        else:
            out.append(char)
    return "".join(out)


def markup_safe(text: object, *, keep_newlines: bool = False) -> str:
    """``shown(text)`` with rich markup escaped, for a string printed with ``markup=True``."""
    return escape(shown(text, keep_newlines=keep_newlines))
