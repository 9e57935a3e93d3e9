"""The terminal summary: one row per item, words beside colours, total and report path."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from report_helpers import SECRET
from rich.console import Console

from grader.report import print_summary
from grader.report.html import BADGES, format_points
from grader.results.models import ItemStatus, SubmissionResult


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


@pytest.mark.parametrize("width", [60, 80, 120])
def test_points_and_status_are_never_cut(make_item, make_result, width: int) -> None:
    items = tuple(make_result().items) + (
        make_item(id="P1(b)ii-a-very-long-item-identifier", title="A long title that has to wrap " * 3,
                  points=0.5, max_points=12.25, status=ItemStatus.PARTIAL, messages=("loss off by 6.22 " * 9,)),
        make_item(id="9.9", title="Written part", points=0, max_points=2, status=ItemStatus.MANUAL),
    )
    result = make_result(items=items)
    buffer = io.StringIO()
    print_summary(result, console=Console(file=buffer, width=width, force_terminal=False, color_system=None))
    lines = buffer.getvalue().splitlines()
    assert max(len(line) for line in lines) <= width
    table = "\n".join(lines)
    for entry in items:  # each row's points and status whole, side by side on one line
        points = f"{format_points(entry.points)} / {format_points(entry.max_points)}"
        status = BADGES[entry.status].label.upper()
        assert any(points in line and status in line for line in lines), (points, status, table)
    assert "P1(b)ii" in table and "Total:" in table
    # every message still shows its start: in its own column or under the title
    assert "loss off by 6.22" in table and "Output matches" in table


def test_piped_output_is_plain_and_whole(graded: SubmissionResult) -> None:
    """Piped (no terminal): rich's default 80 columns, no escape codes, every number whole."""
    script = (
        "import sys;"
        "from grader.results.models import SubmissionResult;"
        "from grader.report import print_summary;"
        "print_summary(SubmissionResult.model_validate_json(sys.stdin.read()))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR", "TERM")}
    done = subprocess.run([sys.executable, "-c", script], input=graded.model_dump_json(), capture_output=True,
                          text=True, env=env, cwd=Path(__file__).parents[2], timeout=120)
    assert done.returncode == 0, done.stderr
    assert "\x1b[" not in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    for entry in graded.items:
        assert f"{format_points(entry.points)} / {format_points(entry.max_points)}" in done.stdout
    assert "TA GRADING" in done.stdout and "Total: 7.5 / 12" in done.stdout
