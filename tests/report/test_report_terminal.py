"""The terminal summary: one row per item, words beside colours, total and report path."""

from __future__ import annotations

import io
from pathlib import Path

from report_helpers import SECRET
from rich.console import Console

from grader.report import print_summary
from grader.results.models import SubmissionResult


def _plain(result: SubmissionResult, **kwargs) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=140, force_terminal=False, color_system=None)
    print_summary(result, console=console, **kwargs)
    return buffer.getvalue()


def test_table_rows_total_and_report_path(graded: SubmissionResult) -> None:
    out = _plain(graded, report_path=Path("/tmp/out/report.html"))
    for item in graded.items:
        assert item.id in out and item.title in out
    for word in ("PASSED", "PARTIAL", "FAILED", "ERROR", "TA GRADING"):
        assert word in out
    assert "Total: 7.5 / 12" in out
    assert "1.5 / 2" in out
    assert out.rstrip().endswith("Report: /tmp/out/report.html")
    assert SECRET not in out


def test_first_message_is_shortened(graded: SubmissionResult, make_item, make_result) -> None:
    long = make_item(messages=("word " * 100 + "\nsecond line",))
    out = _plain(make_result(items=(long,)))
    assert "second line" not in out and "\u2026" in out


def test_student_markup_is_printed_verbatim(make_item, make_result) -> None:
    item = make_item(title="[bold red]boom[/]", messages=("got [link=x]y[/link]",))
    out = _plain(make_result(items=(item,)))
    assert "[bold red]boom[/]" in out and "got [link=x]y[/link]" in out


def test_outcome_line(not_gradable: SubmissionResult, grader_error: SubmissionResult) -> None:
    assert "NOT GRADABLE: The zip file is broken" in _plain(not_gradable)
    out = _plain(grader_error)
    assert "GRADER ERROR (flagged for regrade)" in out
    assert "sandbox warning: rlimit backend" in out


def test_colours_in_a_terminal(graded: SubmissionResult) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=140, force_terminal=True, color_system="standard")
    print_summary(graded, console=console)
    out = buffer.getvalue()
    assert "\x1b[" in out and "PASSED" in out and "FAILED" in out


def test_default_console_in_ci(graded: SubmissionResult, monkeypatch, capsys) -> None:
    """No terminal and CI=true: plain words on stdout, nothing raises."""
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    print_summary(graded, report_path=Path("report.html"))
    out = capsys.readouterr().out
    assert "PARTIAL" in out and "Total: 7.5 / 12" in out and "Report: report.html" in out
