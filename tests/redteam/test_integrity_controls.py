"""Negative controls for the integrity family's checks: each one sees the leak it looks for."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from tests.redteam.harness import _FOREIGN_ESCAPE, SECRETS, terminal_summary


def test_the_terminal_check_tells_a_students_escape_from_riches_colours():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="truecolor")
    console.print(Text.assemble(("coloured", "bold red"), " plain"))
    assert not _FOREIGN_ESCAPE.search(out.getvalue())  # rich's own SGR colours are fine
    console.print(Text("name\x1b]0;pwned\x07"))  # what an unsanitised print lets through
    assert _FOREIGN_ESCAPE.search(out.getvalue())
    for raw in ("\x1b[2J", "a\rb", "\u202e", "\x9b31m"):
        assert _FOREIGN_ESCAPE.search(raw), repr(raw)


def test_the_summary_of_a_hostile_result_is_clean(baseline):
    result = baseline("redteam", "rlimit")
    hostile = result.model_copy(update={"submission": "x\x1b]0;pwned\x07", "warnings": ("\x1b[2J\r",)})
    text = terminal_summary(hostile)
    assert "pwned" in text and not _FOREIGN_ESCAPE.search(text)


def test_the_integrity_rubrics_key_is_a_secret_and_in_its_rubric():
    from tests.redteam.harness import PROJECT

    assert "REDTEAM-KEY-MARKER-6b1f" in SECRETS
    assert "REDTEAM-KEY-MARKER-6b1f" in (PROJECT / "rubrics" / "redteam-integrity" / "rubric.yaml").read_text()
