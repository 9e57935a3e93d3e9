"""The terminal summary of one graded submission: what a TA sees after ``grader grade``.

Every status is a word as well as a colour, so the table reads the same in a CI log
(no terminal, ``CI=true``, ``NO_COLOR``) as in a colour terminal. Student text goes
through ``rich.text.Text`` and never through console markup, so a message holding
``[bold]`` or ``[/]`` is printed as it is.
"""

from __future__ import annotations

from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.report.html import BADGES, format_points
from grader.report.safe_text import shown
from grader.results.models import ItemResult, ItemStatus, Outcome, SubmissionResult

__all__ = ["print_summary"]

#: the first message is cut to this many characters in the table
_MESSAGE_CHARS = 70
#: what the item, title, points and status columns need at least, with padding
_FIXED_COLUMNS = 54

_STYLES: dict[ItemStatus, str] = {
    ItemStatus.PASSED: "green",
    ItemStatus.PARTIAL: "yellow",
    ItemStatus.FAILED: "red",
    ItemStatus.ERROR: "magenta",
    ItemStatus.MANUAL: "blue",
}

_OUTCOME_LINES: dict[Outcome, tuple[str, str]] = {
    Outcome.NOT_GRADABLE: ("NOT GRADABLE", "bold red"),
    Outcome.GRADER_ERROR: ("GRADER ERROR (flagged for regrade)", "bold magenta"),
}


def print_summary(
    result: SubmissionResult,
    console: Console | None = None,
    report_path: Path | None = None,
) -> None:
    """Print the items table, the total and where the full report is."""
    console = console or Console()
    console.print(_title(result))
    if result.outcome in _OUTCOME_LINES:
        console.print(_outcome_line(result))
    for warning in result.sandbox_warnings:
        console.print(Text.assemble(("sandbox warning: ", "yellow"), shown(warning, keep_newlines=True)))
    for warning in result.warnings:  # student text (file names, messages): control characters shown, not run
        console.print(Text.assemble(("note: ", "yellow"), shown(warning, keep_newlines=True)))
    for note in result.notes:
        console.print(Text.assemble(("note: ", "cyan"), shown(note, keep_newlines=True)))
    console.print(_table(result, console.width))
    console.print(_total_line(result))
    if report_path is not None:
        console.print(Text.assemble(("Report: ", "bold"), str(report_path)))


def _title(result: SubmissionResult) -> Text:
    return Text.assemble(
        (result.assignment_title, "bold"), "  ", (shown(result.submission), "dim"),
        "  ", (result.sha256[:12], "dim"),
    )


def _outcome_line(result: SubmissionResult) -> Text:
    label, style = _OUTCOME_LINES[result.outcome]
    return Text.assemble((label, style), ": ", shown(result.reason, keep_newlines=True) or "no reason recorded")


def _table(result: SubmissionResult, width: int) -> Table:
    """One row per item; the message column gets what the others leave, cut with an ellipsis."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Item", no_wrap=True)
    table.add_column("Title", overflow="fold", min_width=14, ratio=2)
    table.add_column("Points", justify="right", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column(
        "First message", no_wrap=True, overflow="ellipsis", ratio=3,
        max_width=max(16, width - _FIXED_COLUMNS),
    )
    for item in result.items:
        table.add_row(*_row(item))
    return table


def _row(item: ItemResult) -> tuple[Text, Text, Text, Text, Text]:
    style = _STYLES[item.status]
    title = Text(item.title)
    if item.extra_credit:
        title.append(" (extra credit)", style="dim")
    return (
        Text(item.id, style="bold"),
        title,
        Text(f"{format_points(item.points)} / {format_points(item.max_points)}"),
        Text(BADGES[item.status].label.upper(), style=style),
        Text(_first_message(item), style="dim" if item.status is ItemStatus.PASSED else ""),
    )


def _first_message(item: ItemResult) -> str:
    """One line of the first message, so the table stays one row per item."""
    if not item.messages:
        return "to be graded by a TA" if item.status is ItemStatus.MANUAL else ""
    lines = item.messages[0].strip().splitlines()
    line = shown(lines[0]) if lines else ""
    return line if len(line) <= _MESSAGE_CHARS else line[: _MESSAGE_CHARS - 1] + "\u2026"


def _total_line(result: SubmissionResult) -> Text:
    text = Text.assemble(
        ("Total: ", "bold"),
        (f"{format_points(result.score)} / {format_points(result.max_score)}", "bold"),
    )
    pending = sum(i.max_points for i in result.items if i.status is ItemStatus.MANUAL)
    if pending:
        noun = "point" if pending == 1 else "points"
        text.append(f"  ({format_points(pending)} {noun} awaiting TA grading)", style="blue")
    return text
