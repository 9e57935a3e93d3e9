"""Marking a grading note's keywords in a student's written answer, for the TA.

Returns plain segments, not HTML: each template escapes them and wraps the keyword ones
in ``<mark>``, so the student's text never becomes markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["keyword_segments"]


def keyword_segments(text: str, keywords: Iterable[str]) -> list[tuple[str, bool]]:
    """``text`` cut into ``(segment, is_keyword)`` pairs, case-insensitively, longest keyword first."""
    words = [k for k in keywords if k.strip()]
    if not words or not text:
        return [(text, False)]
    pattern = re.compile("|".join(re.escape(k) for k in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    out, at = [], 0
    for match in pattern.finditer(text):
        if match.start() > at:
            out.append((text[at:match.start()], False))
        out.append((match.group(0), True))
        at = match.end()
    if at < len(text):
        out.append((text[at:], False))
    return out
