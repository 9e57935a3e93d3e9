"""``grader batch``, ``grader manual export|import`` and ``grader export gradescope``: thin wrappers.

Each command calls one keyword-only function of :mod:`grader.batch` or :mod:`grader.export`
and only decides how things look: a progress bar, a closing table, an exit code. Defaults
live in :class:`grader.batch.BatchOptions`; an option left out here is passed as ``None`` and
the API decides.

Registered in ``grader/cli/app.py`` as::

    from grader.cli.batch import batch, export_app, manual_app
    app.command("batch")(batch)
    app.add_typer(manual_app, name="manual")
    app.add_typer(export_app, name="export")

``python -m grader.cli.batch`` runs the same commands without that registration.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from grader.cli.exit_codes import ExitCode

__all__ = ["batch", "manual_app", "export_app", "cli", "main", "INTERRUPTED"]

#: exit status after Ctrl-C (the shell's convention: 128 + SIGINT); resume with the same command
INTERRUPTED = 130

console = Console()
err = Console(stderr=True)

manual_app = typer.Typer(help="Manual items: export them for TAs, import their scores.", no_args_is_help=True)
export_app = typer.Typer(help="Export an assignment for another platform.", no_args_is_help=True)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Known mistakes print one message with the next step and exit with a usage code; no traceback."""
    from grader.assignments import UnknownAssignment
    from grader.batch import (
        BatchUsageError,
        DiscoveryError,
        ExecutorUnavailable,
        JournalBusy,
        JournalError,
        ManualImportError,
    )
    from grader.export.gradescope import GradescopeExportError
    from grader.rubric import RubricError
    from grader.sandbox import SandboxUnavailable

    try:
        yield
    except (UnknownAssignment, RubricError, BatchUsageError, DiscoveryError, ManualImportError, JournalBusy,
            JournalError, ExecutorUnavailable, GradescopeExportError, FileNotFoundError) as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
        raise typer.Exit(ExitCode.USAGE_ERROR) from None
    except SandboxUnavailable as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(ExitCode.GRADER_ERROR) from None


class _RateColumn(ProgressColumn):
    """Submissions graded per minute in this run (what was already done does not count)."""

    def render(self, task: Task) -> Text:
        start = task.fields.get("start_done", 0)
        elapsed = task.elapsed or 0.0
        done = task.completed - start
        if elapsed < 1 or done <= 0:
            return Text("-- /min", style="progress.data.speed")
        return Text(f"{60 * done / elapsed:.1f} /min", style="progress.data.speed")


class _EtaColumn(ProgressColumn):
    """Time left from the batch's own estimate (``_Eta``), not from how fast the bar moved."""

    def render(self, task: Task) -> Text:
        return Text(f"ETA {task.fields.get('eta', '--')}", style="progress.remaining")


class _Eta:
    """Time left: the median wall time of a submission graded in this run, per worker slot.

    Copies of an identical submission and records already in the journal cost nothing, so
    they count in ``done`` but not in the estimate (the first copies made a batch look
    finished); the median keeps one slow or instant submission from swinging it.
    """

    def __init__(self) -> None:
        self.to_grade = 0
        self.slots = 1
        self.walls: list[float] = []

    def finished(self, record) -> None:  # type: ignore[no-untyped-def]
        if record is not None and not record.timing.reused_from:
            self.walls.append(record.timing.wall_s)

    def seconds_left(self) -> float | None:
        if not self.walls:
            return None
        import statistics

        left = max(0, self.to_grade - len(self.walls))
        return statistics.median(self.walls) * left / max(1, self.slots)

    def text(self) -> str:
        left = self.seconds_left()
        if left is None:
            return "--"
        minutes, seconds = divmod(int(round(left)), 60)
        return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"


def _finished_line(event, total: int, rate: str, eta: str) -> Text:  # type: ignore[no-untyped-def]
    """One line per finished student, for a log or a file: plain text, the student's id through the one terminal sanitiser."""
    from grader.report.safe_text import shown

    record = event.record
    width = len(str(total))
    what = "?"
    if record is not None:
        result = record.result
        score = f"{result.score:g}/{result.max_score:g}" if result.outcome.value == "graded" else result.outcome.value
        copied = " (copy)" if record.timing.reused_from else ""
        what = f"{shown(record.student.id)[:60]} {score}{copied}"
    return Text(f"[{event.done:>{width}}/{total}] {what} · {rate} · ETA {eta} · {event.failed} failed")


class _FailedColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        failed = task.fields.get("failed", 0)
        return Text(f"{failed} failed", style="bold red" if failed else "green")


def batch(
    submissions: Path = typer.Argument(..., help="Folder with one submission per student (files or folders; a "
                                                 "Gradescope or Canvas bulk download is recognised)."),
    assignment: str = typer.Option(..., "--assignment", "-a", help="Assignment id, e.g. nyu-dl-hw1."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder: journal, reports, gradebooks, summary. "
                                                      "Run again with the same folder to resume."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1,
                                       help="Parallel workers (default: what the cores and memory allow "
                                            "under the rubric's limits)."),
    executor: str = typer.Option("local", "--executor", help="local (a process pool here) | ray."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (ray start --head "
                                                                  "prints it); default: a local Ray."),
    sandbox: Optional[str] = typer.Option(None, "--sandbox", help="bwrap | rlimit | docker (default: the "
                                                                  "strongest of bwrap and rlimit that works where "
                                                                  "the grading runs; docker only when named)."),
    only: Optional[List[str]] = typer.Option(None, "--only", help="Regrade only this item for every student "
                                                                  "(repeatable), keeping the others."),
    student: Optional[List[str]] = typer.Option(None, "--student", help="Regrade this student (repeatable)."),
    force: bool = typer.Option(False, "--force", help="Regrade everyone, ignoring the journal."),
    retry_errors: bool = typer.Option(False, "--retry-errors", help="Regrade submissions the grader failed on."),
    dedupe: bool = typer.Option(True, "--dedupe/--no-dedupe", help="Grade byte-identical submissions once."),
    warm: bool = typer.Option(True, "--warm/--no-warm", help="Fork each submission's worker from a warm sandbox "
                                                             "that imported torch once (local pool, bwrap as "
                                                             "root; else ignored). --no-warm starts a fresh one."),
    layout: Optional[str] = typer.Option(None, "--layout", help="gradescope | canvas | plain (default: detect)."),
    canvas_column: Optional[str] = typer.Option(None, "--canvas-column",
                                                help="Canvas gradebook column, e.g. 'HW1 (123456)'."),
    similarity: bool = typer.Option(False, "--similarity", help="Then compare the class's code: TA-only pages in "
                                                                "OUT/similarity/, linked from summary.html."),
) -> None:
    """Grade a folder of submissions in parallel, resumably; write reports, gradebooks and a class summary."""
    from grader.batch import BatchEvent, BatchOptions, run_batch

    options = BatchOptions(
        jobs=jobs, executor=executor, address=address, backend=sandbox, only=tuple(only or ()),
        students=tuple(student or ()), force=force, retry_errors=retry_errors, dedupe=dedupe, warm=warm,
        layout=layout, canvas_column=canvas_column or "")
    live = console.is_terminal
    progress = Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        _RateColumn(), _EtaColumn(), TimeElapsedColumn(), _FailedColumn(),
        TextColumn("{task.fields[last]}", style="dim", markup=False), console=console, transient=False,
        disable=not live)
    state: dict[str, object] = {"task": None, "total": 0, "done0": 0, "start": 0.0}
    eta = _Eta()

    def rate(done: int) -> str:
        elapsed = time.monotonic() - float(state["start"])  # type: ignore[arg-type]
        graded = done - int(state["done0"])  # type: ignore[call-overload]
        return f"{60 * graded / elapsed:.1f} /min" if elapsed >= 1 and graded > 0 else "-- /min"

    def on_event(event: BatchEvent) -> None:
        from grader.report.safe_text import shown

        task = state["task"]
        if event.kind == "planned":
            console.print(f"{assignment}: {event.total} students; {event.message}", highlight=False, markup=False)
            eta.to_grade = event.to_grade
            state.update(total=event.total, done0=event.done, start=time.monotonic())
            progress.start()
            state["task"] = progress.add_task("grading", total=event.total, completed=event.done,
                                              start_done=event.done, failed=0, last="", eta="--")
        elif event.kind == "running":
            eta.slots = max(1, event.slots)
        elif event.kind == "finished" and task is not None:
            record = event.record
            eta.finished(record)
            if live:
                last = f"{shown(record.student.id)[:40]} {record.result.score:g}/{record.result.max_score:g}" \
                    if record else ""
                progress.update(task, completed=event.done, failed=event.failed, last=last,  # type: ignore[arg-type]
                                eta=eta.text())
            else:
                console.print(_finished_line(event, int(state["total"]), rate(event.done), eta.text()),  # type: ignore[call-overload]
                              highlight=False)
        elif event.kind in ("stopping", "abandoning"):
            progress.console.print(Text(event.message, style="yellow"), highlight=False)
        elif event.kind == "exporting":
            if task is not None:
                progress.update(task, last="writing outputs")  # type: ignore[arg-type]
            if not live:
                console.print(event.message, highlight=False, markup=False)

    start = time.monotonic()
    try:
        with _user_errors():
            report = run_batch(submissions, assignment=assignment, out_dir=out, options=options, on_event=on_event)
    except KeyboardInterrupt:  # before grading started (discovery, hashing): nothing was committed
        progress.stop()
        err.print("Interrupted before grading started; nothing changed.")
        raise typer.Exit(INTERRUPTED) from None
    finally:
        progress.stop()
    _print_report(report, time.monotonic() - start)
    if similarity and not report.interrupted:  # grader similarity (grader/cli/similarity.py)
        from grader.cli.similarity import after_batch

        after_batch(out, assignment)
    if report.interrupted:
        err.print(f"Interrupted: finished submissions are in the journal. Resume with the same command "
                  f"(grader batch {submissions} -a {assignment} -o {out}).", highlight=False)
        raise typer.Exit(INTERRUPTED)
    if report.grader_errors:
        err.print(f"[bold red]{report.grader_errors} submission(s) hit a grader error[/] (flag 'regrade' in "
                  f"gradebook.csv; tracebacks in their report-instructor.html). Fix the cause, then run again "
                  "with --retry-errors.", highlight=False)
        raise typer.Exit(ExitCode.GRADER_ERROR)


def _print_report(report, seconds: float) -> None:  # type: ignore[no-untyped-def]
    from grader.report.safe_text import shown

    table = Table(title=f"batch {report.assignment} ({report.layout} layout)", show_header=False)
    table.add_column("what")
    table.add_column("", justify="right")
    rows = [
        ("students", report.students), ("graded now", report.graded),
        ("copied from identical submissions", report.copied), ("already done (journal)", report.skipped),
        ("not graded (not gradable or grader error)", report.failed), ("grader errors", report.grader_errors),
        ("workers", f"{report.executor} ({report.jobs_reason})" if report.executor else "-"),
        ("time", f"{seconds:.1f} s"),
    ]
    for what, value in rows:
        table.add_row(what, str(value))
    console.print(table)
    for name, why in report.not_submissions:
        err.print(f"[yellow]skipped[/] {escape(shown(name))}: {escape(shown(why))}", highlight=False)
    for problem in report.warm_problems:
        err.print(f"[yellow]warm workers not used[/] by a pool worker ({problem}); it graded with a fresh "
                  "sandboxed Python per worker instead (slower, same grades)", highlight=False)
    for name, path in report.outputs.items():
        console.print(f"{name}: {path}", highlight=False)


# -- manual items ------------------------------------------------------------------------


@manual_app.command("export")
def manual_export(
    out: Path = typer.Argument(..., help="The batch's output folder."),
    fmt: str = typer.Option("csv", "--format", help="csv | html (a local form that downloads the CSV)."),
    to: Optional[Path] = typer.Option(None, "--to", help="Where to write it (default: OUT/manual-items.FORMAT)."),
) -> None:
    """Write every student's manual items (their text, the grading note) for the TAs to score."""
    from grader.batch.manual import export_manual

    with _user_errors():
        if fmt not in ("csv", "html"):
            err.print(f"[bold red]error:[/] --format {fmt}: choose csv or html")
            raise typer.Exit(ExitCode.USAGE_ERROR)
        path, rows = export_manual(out, fmt=fmt, dest=to)
    console.print(f"wrote {rows} rows to {path}", highlight=False)
    console.print(f"next: fill in 'points' (and 'comment'), then: grader manual import {out} <file.csv>",
                  highlight=False)


@manual_app.command("import")
def manual_import(
    out: Path = typer.Argument(..., help="The batch's output folder."),
    scores: Path = typer.Argument(..., help="The TA's CSV (columns student, item, points, comment)."),
) -> None:
    """Merge the TA's scores into the reports and gradebooks; refuses the whole file on any bad row."""
    from grader.batch.manual import import_manual

    with _user_errors():
        count, students = import_manual(out, scores)
    console.print(f"imported {count} score(s) for {students} student(s); reports, gradebook.csv, canvas.csv, "
                  f"gradescope.csv and summary.html updated in {out}", highlight=False)


# -- exports -------------------------------------------------------------------------------


@export_app.command("gradescope")
def export_gradescope(
    assignment: str = typer.Argument(..., help="Assignment id."),
    to: Optional[Path] = typer.Option(None, "--out", "-o", help="The zip to write "
                                                               "(default: ./<id>-gradescope-autograder.zip)."),
    datasets: str = typer.Option("auto", "--datasets", help="auto (bundle what is verified here, fetch the rest) | "
                                                            "bundle (in the zip) | fetch (setup.sh downloads, "
                                                            "checksummed)."),
) -> None:
    """Write Gradescope's autograder zip: setup.sh, run_autograder, the rubric, hidden tests and datasets."""
    from grader.datasets import DatasetError
    from grader.export.gradescope import RLIMIT_NOTICE, export_gradescope as export

    with _user_errors():
        try:
            done = export(assignment, dest=to, datasets=datasets)
        except DatasetError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(ExitCode.USAGE_ERROR) from None
    path = done.path
    console.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)", highlight=False, markup=False)
    for plan in done.datasets:
        where = "in the zip" if plan.how == "bundled" else "downloaded by setup.sh"
        console.print(f"dataset {plan.name}: {plan.size / 1e6:.1f} MB, {where}, sha256-verified by setup.sh",
                      highlight=False, markup=False)
    console.print("setup.sh ends by grading the reference solution in the built image and fails unless it earns "
                  "full automatic marks; it then deletes the reference", highlight=False, markup=False)
    err.print(f"[yellow]note:[/] {escape(RLIMIT_NOTICE)}", highlight=False)


# -- standalone entry point ---------------------------------------------------------------

cli = typer.Typer(help="Batch grading commands.", no_args_is_help=True, pretty_exceptions_enable=False,
                  add_completion=False)
cli.command("batch")(batch)
cli.add_typer(manual_app, name="manual")
cli.add_typer(export_app, name="export")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
