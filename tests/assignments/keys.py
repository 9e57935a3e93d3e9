"""No answer key in anything a student sees: report.html, results.json, result.json.

The rubric's ``key:`` field is TA-only and never copied into a result; this check reads
every student-facing file written for a grading and looks for each key, whole and clause
by clause (a clause of at least ``_MIN_CLAUSE`` characters), whitespace and HTML escapes
normalised. The student's own written answers are blanked first (the reference's answers
are meant to agree with the key), and a clause the rubric shows anyway (in a title or a
quoted question) does not count.
"""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path

from grader.api import write_outputs
from grader.results.models import SubmissionResult
from grader.rubric.schema import Rubric

__all__ = ["key_leaks", "key_fragments", "public_text"]

_MIN_CLAUSE = 16
STUDENT_FACING = ("report.html", "results.json", "result.json")


def _normal(text: str) -> str:
    return " ".join(html.unescape(text).replace("\\n", " ").split()).lower()


def key_fragments(key: str, *, min_words: int = 1) -> list[str]:
    """The key, and each of its clauses long enough not to occur by chance (and of ``min_words`` words)."""
    clauses = [c.strip(" .;:,()") for c in re.split(r"[;.]\s|\(|\)", key)]
    kept = [c for c in clauses if len(c.strip()) >= _MIN_CLAUSE and len(c.split()) >= min_words]
    return list(dict.fromkeys([_normal(key), *(_normal(c) for c in kept)]))


def public_text(rubric: Rubric) -> str:
    """What the rubric shows students anyway (titles, quoted questions, keywords), normalised: no leak there."""
    return _normal(" ".join(f"{i.title} {i.note} {i.points_reason} {' '.join(getattr(i.check, 'keywords', ()))}"
                            for i in rubric.items))


def key_leaks(rubric: Rubric, result: SubmissionResult) -> list[str]:
    """``"<file>: item <id> key fragment '...'"`` for every key fragment found in a student-facing file."""
    blanked = result.model_copy(update={"items": tuple(i.model_copy(update={"answer": ""}) for i in result.items)})
    with tempfile.TemporaryDirectory(prefix="grader-keys-") as tmp:
        write_outputs(blanked, Path(tmp))
        texts = {name: _normal((Path(tmp) / name).read_text(encoding="utf-8")) for name in STUDENT_FACING}
    public = public_text(rubric)
    found = []
    for item in rubric.items:
        if not item.key:
            continue
        for fragment in (f for f in key_fragments(item.key) if f not in public):
            found.extend(f"{name}: item {item.id} key fragment {fragment!r}" for name, text in texts.items()
                         if fragment in text)
    return found
