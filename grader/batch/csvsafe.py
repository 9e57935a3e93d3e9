"""CSV text whose cells a spreadsheet cannot run: OWASP's rule against formula injection.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
to Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)`` from a student's name runs when
the TA opens the gradebook). Every string cell is prefixed with ``'`` in that case, which the
spreadsheet shows as the text itself. Numbers the grader computed (scores) are passed as
numbers and written as they are, so a score stays a number; only strings (names, ids, file
names, answers, comments) are neutralised, and their carriage returns become newlines (the
CSV writer quotes a cell with a newline, not one with a lone CR, which readers split rows on).
:func:`unneutralise` undoes the prefix when a CSV the grader wrote is read back (a TA's
manual scores file).
"""

from __future__ import annotations

import csv
import io
from typing import Iterable, Union

__all__ = ["Cell", "safe_cell", "unneutralise", "csv_text", "points"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: a cell is a string from anywhere (neutralised), or a number the grader computed (written as is)
Cell = Union[str, int, float, None]


def points(value: float) -> str:
    """A score as the gradebooks write it: at most 4 decimals, no trailing zeros."""
    return f"{round(value, 4):g}"


def safe_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return points(float(value))
    text = str(value)
    if text.startswith(_TRIGGERS):
        text = "'" + text
    # the writer quotes a cell with a newline but not one with a lone CR, which readers split on
    return text.replace("\r\n", "\n").replace("\r", "\n")


def unneutralise(text: str) -> str:
    """The string :func:`safe_cell` was given (a TA's file read back)."""
    return text[1:] if text.startswith("'") and text[1:].startswith((*_TRIGGERS, "\n")) else text


def csv_text(rows: Iterable[Iterable[Cell]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([safe_cell(c) for c in row] for row in rows)
    return buffer.getvalue()
