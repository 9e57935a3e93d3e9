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
    """One row per item, laid out so the points and status columns are never cut.

    Points and status get exactly the width of their longest value; the item id gets
    its longest value up to a third of what is left (then an ellipsis); the title wraps.
    The first message gets a column of its own when at least ``_MIN_MESSAGE`` characters
    are left for it, else it goes under the title, wrapped, so nothing is hidden.
    """
    rows = [_row(item) for item in result.items]
    points_w = max([len("Points")] + [len(r[2].plain) for r in rows])
    status_w = max([len("Status")] + [len(r[3].plain) for r in rows])
    longest_title = max([len("Title")] + [len(r[1].plain) for r in rows])
    longest_message = max([0] + [len(r[4].plain) for r in rows])
    left = width - points_w - status_w - _gaps(4)  # for the item id and the title
    item_w = min(max([len("Item")] + [len(r[0].plain) for r in rows]), max(4, left // 3))
    spare = left - item_w  # for the title, and the message column when it fits
    with_messages = longest_message > 0 and spare - _gaps(2) >= _MIN_TITLE + _MIN_MESSAGE
    if with_messages:
        title_w = min(longest_title, max(_MIN_TITLE, (spare - _gaps(2)) * 2 // 5))
        message_w = min(longest_message, spare - _gaps(2) - title_w)
    else:
        title_w = max(1, spare)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Item", no_wrap=True, overflow="ellipsis", width=item_w)
    table.add_column("Title", overflow="fold", width=title_w)
    table.add_column("Points", justify="right", no_wrap=True, width=points_w)
    table.add_column("Status", no_wrap=True, width=status_w)
    if with_messages:
        table.add_column("First message", no_wrap=True, overflow="ellipsis", width=message_w)
        for row in rows:
            table.add_row(*row)
    else:
        for ident, title, points, status, message in rows:
            if message.plain:
                title = Text.assemble(title, "\n", message)
            table.add_row(ident, title, points, status)
    return table


#: the narrowest title and message columns worth giving their own space
_MIN_TITLE = 10
_MIN_MESSAGE = 24


def _gaps(columns: int) -> int:
    """Characters a table of ``columns`` columns spends on padding and dividers."""
    return 3 * (columns - 1)


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
