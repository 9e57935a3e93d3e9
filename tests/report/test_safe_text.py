"""Student text reaches the TA's terminal inert: control characters shown, markup printed as written."""

from __future__ import annotations

import io
import zipfile

import pytest
from rich.console import Console
from typer.testing import CliRunner

from grader.report.safe_text import markup_safe, shown
from grader.report.terminal import print_summary
from tests.engine.conftest import GOOD_CALC, TOY_ROOT

#: retitle the terminal, clear it, ring the bell, overwrite the line, reverse the text
HOSTILE = "\x1b]0;pwned\x07\x1b[2Jcalc\rOK\u202etxt.py"
MARKUP = "[bold red]x[/]"


@pytest.mark.parametrize("text, expected", [
    ("\x1b[2J", "\\x1b[2J"),
    ("a\rb", "a\\x0db"),
    ("a\nb", "a\\x0ab"),
    ("evil\u202etxt.py", "evil\\u202etxt.py"),
    ("zero\u200bwidth", "zero\\u200bwidth"),
    ("\x9b31m", "\\x9b31m"),  # the one-byte CSI of C1
    ("plain name ü 名前", "plain name ü 名前"),
])
def test_shown_writes_controls_as_visible_escapes(text, expected):
    assert shown(text) == expected


def test_newlines_may_stay_in_a_message_and_markup_is_escaped():
    assert shown("one\ntwo\tx\x1b", keep_newlines=True) == "one\ntwo\tx\\x1b"
    console = Console(file=io.StringIO(), force_terminal=False, width=80)
    console.print(f"[bold]name:[/] {markup_safe(MARKUP)}")  # unescaped, "[/]" alone would raise MarkupError
    assert MARKUP in console.file.getvalue()


def test_the_summary_shows_hostile_names_and_messages_without_running_them(tmp_path):
    from grader.api import grade

    (tmp_path / "calc.py").write_text(GOOD_CALC + f"\n\ndef scale(t, k):\n    raise ValueError({HOSTILE + MARKUP!r})\n")
    result = grade(tmp_path / "calc.py", assignment="toy", root=TOY_ROOT)
    assert any("pwned" in m for i in result.items for m in i.messages)  # the hostile message is in the result
    result = result.model_copy(update={"submission": HOSTILE + MARKUP, "warnings": (f"{HOSTILE} is odd",)})
    out = io.StringIO()
    print_summary(result, console=Console(file=out, force_terminal=True, color_system="truecolor", width=200))
    text = out.getvalue()
    assert "\x1b]0;pwned" not in text and "\x1b[2J" not in text and "\u202e" not in text and "\r" not in text
    assert "\\x1b]0;pwned\\x07" in text and MARKUP in text


def test_grade_survives_a_file_named_with_markup_and_escapes(tmp_path, monkeypatch):
    from grader.cli.app import app

    monkeypatch.setenv("GRADER_HOME", str(TOY_ROOT))
    monkeypatch.setenv("COLUMNS", "160")
    name = "[bold red]x[blink]"  # a file name cannot hold "/": no closing tag, but the tags must print as written
    sub = tmp_path / f"{name}\x1b[2J.zip"
    with zipfile.ZipFile(sub, "w") as archive:
        archive.writestr("calc.py", GOOD_CALC)
    result = CliRunner().invoke(app, ["grade", str(sub), "-a", "toy", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "\x1b[2J" not in result.output and "\\x1b[2J" in result.output and name in result.output
