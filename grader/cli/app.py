"""Entry point of the ``grader`` command; each command calls one keyword-only API function."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import typer
from typer.core import TyperGroup
from rich.console import Console
from rich.table import Table

from grader.assignments import UnknownAssignment
from grader.authoring.student_repo import InstallSettingError
from grader.authoring.template import TemplateError
from grader.cli.batch import batch as batch_command
from grader.cli.batch import export_app, manual_app
from grader.cli.data import data_app
from grader.cli.doctor import doctor as doctor_command
from grader._version import __version__
from grader.cli.exit_codes import ExitCode
from grader.cli.similarity import similarity as similarity_command
from grader.report.safe_text import markup_safe
from grader.results.models import Outcome
from grader.rubric import RubricError
from grader.sandbox import SandboxUnavailable


def _usage_errors() -> tuple[type[Exception], ...]:
    """Click's ``UsageError`` (typer >= 0.22 carries its own copy of click; older ones use click's)."""
    found: list[type[Exception]] = []
    for module in ("typer._click.exceptions", "click.exceptions"):
        try:
            found.append(__import__(module, fromlist=["UsageError"]).UsageError)
        except (ImportError, AttributeError):
            continue
    return tuple(found)


_USAGE_ERRORS = _usage_errors()


@contextmanager
def _conventions() -> Iterator[None]:
    """Click's usage errors exit with our usage code; a closed pipe (``| head``) ends quietly."""
    try:
        yield
    except _USAGE_ERRORS as exc:
        exc.exit_code = ExitCode.USAGE_ERROR  # type: ignore[attr-defined]
        raise
    except BrokenPipeError:
        _silence_stdout()
        raise typer.Exit(ExitCode.OK) from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # a stdout without a descriptor (a test runner's buffer)
        pass
    finally:
        os.close(devnull)


class _Group(TyperGroup):
    """The root command: every usage error of any subcommand passes through here."""

    def make_context(self, *args: Any, **kwargs: Any) -> typer.Context:
        with _conventions():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: typer.Context) -> Any:
        with _conventions():
            return super().invoke(ctx)


app = typer.Typer(
    cls=_Group,
    name="grader",
    help="Grade deep-learning homework in a sandbox: hidden tests, training checks, HTML reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(data_app, name="data")
rubric_app = typer.Typer(help="Inspect rubrics.", no_args_is_help=True)
template_app = typer.Typer(help="Build student templates from references.", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")
app.add_typer(template_app, name="template")
app.command("batch")(batch_command)
app.add_typer(manual_app, name="manual")
app.add_typer(export_app, name="export")
app.command("doctor")(doctor_command)
app.command("similarity")(similarity_command)

class _Console(Console):
    """A console that goes quiet when the reader of a pipe leaves (``grader grade ... | head``).

    Rich's default exits with status 1; here printing stops and the command carries on, so
    its exit code still says whether grading worked.
    """

    def on_broken_pipe(self) -> None:
        self.quiet = True
        _silence_stdout()


console = _Console()
err = _Console(stderr=True)


def _show_version(value: bool) -> None:
    if value:
        console.print(f"grader (dl-grader) {__version__}", highlight=False)
        raise typer.Exit(ExitCode.OK)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                 help="Print the grader's version and exit."),
) -> None:
    """Grade deep-learning homework in a sandbox: hidden tests, training checks, HTML reports.

    Exit codes: 0 done, 1 not gradable, 2 grader error, 3 usage error, 4 check failed.
    Colours follow NO_COLOR.
    """

AssignmentOpt = typer.Option(..., "--assignment", "-a", help="Assignment id, e.g. nyu-dl-hw1.")


def _known_sandbox(name: Optional[str]) -> Optional[str]:
    from grader.sandbox import BACKENDS

    if name is not None and name not in BACKENDS:
        raise typer.BadParameter(f"unknown sandbox {name!r}; choose one of: {', '.join(BACKENDS)}")
    return name


SandboxOpt = typer.Option(None, "--sandbox", callback=_known_sandbox, help="bwrap | rlimit | docker (default: the strongest of bwrap "
                                                  "and rlimit that works here; docker only when named).")


@contextmanager
def _user_errors() -> Iterator[None]:
    """Known user mistakes print one clear message and exit with a usage code, no traceback."""
    try:
        yield
    except (UnknownAssignment, RubricError, TemplateError, InstallSettingError) as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(ExitCode.USAGE_ERROR) from None
    except SandboxUnavailable as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(ExitCode.GRADER_ERROR) from None


@app.command()
def grade(
    submission: Path = typer.Argument(..., exists=True, help="A .zip, a folder, or a single .py file."),
    assignment: str = AssignmentOpt,
    out: Path = typer.Option(Path("grading-out"), "--out", "-o", help="Folder for report.html and results.json."),
    sandbox: Optional[str] = SandboxOpt,
) -> None:
    """Grade one submission and write its HTML report and results.json."""
    from grader.api import grade as grade_submission
    from grader.report.terminal import print_summary

    with _user_errors():
        with console.status(f"Grading {markup_safe(submission.name)} ({markup_safe(assignment)})..."):
            result = grade_submission(submission, assignment=assignment, out_dir=out, backend=sandbox)
    print_summary(result, console=console, report_path=out / "report.html")
    if result.outcome is Outcome.NOT_GRADABLE:
        raise typer.Exit(ExitCode.NOT_GRADABLE)
    if result.outcome is Outcome.GRADER_ERROR:
        detail = next((i.instructor_detail for i in result.items if i.instructor_detail), result.reason)
        err.print(f"[bold red]grader error[/] (for the instructor):\n{markup_safe(detail, keep_newlines=True)}",
                  highlight=False)
        raise typer.Exit(ExitCode.GRADER_ERROR)


@app.command()
def validate(
    assignment: str = typer.Argument(..., help="Assignment id."),
    sandbox: Optional[str] = SandboxOpt,
) -> None:
    """Prove an assignment sound: the reference earns every automatic point, the template zero."""
    from grader.api import validate as validate_assignment

    with _user_errors():
        with console.status(f"Grading the reference and the template of {assignment}..."):
            report = validate_assignment(assignment, backend=sandbox)
    table = Table(title=f"validate {assignment}")
    table.add_column("item")
    table.add_column("reference", justify="right")
    table.add_column("template", justify="right")
    if report.reference and report.template:
        for ref, tpl in zip(report.reference.items, report.template.items):
            table.add_row(ref.id, f"{ref.points:g}/{ref.max_points:g} {ref.status.value}",
                          f"{tpl.points:g}/{tpl.max_points:g} {tpl.status.value}")
    console.print(table)
    if report.ok:
        console.print(f"[green]OK[/]: {assignment} is sound.")
        return
    for problem in report.problems:
        err.print(f"[red]problem:[/] {problem}", highlight=False)
    raise typer.Exit(ExitCode.CHECK_FAILED)


@rubric_app.command("show")
def rubric_show(assignment: str = typer.Argument(..., help="Assignment id.")) -> None:
    """Print a rubric as a table: items, points, check kinds, notes."""
    from grader.api import load_assignment

    with _user_errors():
        _, rubric = load_assignment(assignment)
    table = Table(title=f"{rubric.assignment}: {rubric.title} ({rubric.total:g} points)", show_lines=True)
    for column in ("id", "title", "points", "check", "note"):
        table.add_column(column, overflow="fold")
    for item in rubric.items:
        points = f"{item.points:g}" + (" (extra)" if item.extra_credit else "")
        table.add_row(item.id, item.title, points, item.check.kind, item.note)
    console.print(table)
    limits = rubric.limits
    console.print(f"required files: {', '.join(rubric.required_files) or '-'}; limits: {limits.wall_s:g} s wall, "
                  f"{limits.call_s:g} s per call, {limits.describe_memory()} memory", highlight=False)


@template_app.command("build")
def template_build(
    assignment: str = typer.Argument(..., help="Assignment id."),
    check: bool = typer.Option(False, "--check", help="Only compare; exit non-zero when the template is stale."),
) -> None:
    """Write student_template/<id>/ from reference/<id>/ (solution blocks stripped)."""
    from grader.api import build_assignment_template, check_template_fresh

    with _user_errors():
        if check:
            drift = check_template_fresh(assignment)
            if drift:
                for line in drift:
                    err.print(f"[red]{line}[/]", highlight=False)
                err.print(f"run: grader template build {assignment}")
                raise typer.Exit(ExitCode.CHECK_FAILED)
            console.print(f"student_template/{assignment} is up to date.")
            return
        written = build_assignment_template(assignment)
    console.print(f"wrote {len(written)} files to student_template/{assignment}/")


def _student_spec(folder: Path):  # type: ignore[no-untyped-def]
    from grader.authoring.public_spec import SPEC_FILE, find_spec, load_spec

    found = find_spec(folder)
    if found is None:
        err.print(f"[bold red]error:[/] no {SPEC_FILE} in {folder.resolve()} or its parents: run this inside your "
                  "copy of the assignment's starter code (the file comes with it)", highlight=False)
        raise typer.Exit(ExitCode.USAGE_ERROR)
    return found.parent, load_spec(found)


@app.command()
def check(
    folder: Path = typer.Argument(Path("."), exists=True, file_okay=False,
                                  help="Your working copy of the starter code."),
    sandbox: Optional[str] = SandboxOpt,
    smoke: bool = typer.Option(True, "--smoke/--no-smoke", help="Also run the quick training smoke runs."),
) -> None:
    """Check your work before submitting: files, unfinished parts, interfaces, rules, public tests."""
    from grader.selfcheck import run_self_check

    root, spec = _student_spec(folder)
    with _user_errors(), console.status(f"Checking {spec.assignment} in {root}..."):
        report = run_self_check(root, spec, backend=sandbox, smoke=smoke)
    for warning in report.sandbox_warnings:
        console.print(f"[yellow]note:[/] {warning}", highlight=False)
    table = Table(title=f"grader check: {spec.title}")
    for column in ("step", "", "what", "fix", "points at stake"):
        table.add_column(column, overflow="fold")
    for line in report.lines:
        mark = "[green]ok[/]" if line.ok else "[red]FIX[/]"
        stake = f"{line.points_at_stake:g}" if line.points_at_stake else ""
        table.add_row(line.step, mark, markup_safe(line.detail, keep_newlines=True), markup_safe(line.fix), stake)
    console.print(table)
    failing = [line for line in report.lines if not line.ok]
    if os.environ.get("GITHUB_ACTIONS") == "true":
        _annotate(failing, unfinished=report.only_unfinished)
    if not failing:
        console.print("[green]All checks passed.[/] Hidden tests decide the grade; pack with `grader pack`.")
        return
    if report.only_unfinished:
        console.print(f"[yellow]Not finished yet:[/] {len(failing)} parts still to write; nothing else to fix.")
        raise typer.Exit(ExitCode.UNFINISHED)
    console.print(f"[red]{len(failing)} things to fix[/] before you submit.")
    raise typer.Exit(ExitCode.CHECK_FAILED)


def _annotate(failing: list[Any], *, unfinished: bool) -> None:
    """GitHub Actions annotations: a notice per unfinished part, an error per thing that is broken."""
    import re

    for line in failing:
        level = "notice" if unfinished else "error"
        where = re.match(r"([\w./-]+\.(?:py|ipynb|ya?ml|md)):(\d+) ", line.detail)
        location = f"file={where.group(1)},line={where.group(2)}," if where else ""
        message = f"{line.detail} ({line.fix})" if line.fix else line.detail
        message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        console.file.write(f"::{level} {location}title=grader check {line.step}::{message}\n")


@app.command()
def pack(
    folder: Path = typer.Argument(Path("."), exists=True, file_okay=False,
                                  help="Your working copy of the starter code."),
    out: Path = typer.Option(Path("submission.zip"), "--out", "-o", help="The zip to write."),
    force: bool = typer.Option(False, "--force", help="Pack even with unfinished parts (no question asked)."),
) -> None:
    """Write the submission zip with exactly the files the assignment asks for."""
    from grader.selfcheck import PackError, pack_submission
    from grader.selfcheck.pack import unfinished_in

    root, spec = _student_spec(folder)
    unfinished = unfinished_in(root, spec)
    if unfinished:
        err.print(f"[yellow]{len(unfinished)} parts are unfinished:[/]", highlight=False)
        for line in unfinished:
            err.print(f"  {markup_safe(line)}", highlight=False)
        if not force:
            if not sys.stdin.isatty():
                err.print("not packing: rerun with --force to submit them unfinished", highlight=False)
                raise typer.Exit(ExitCode.CHECK_FAILED)
            if not typer.confirm("Pack them unfinished anyway?", default=False, err=True):
                raise typer.Exit(ExitCode.CHECK_FAILED)
    try:
        result = pack_submission(root, spec, out)
    except PackError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(ExitCode.CHECK_FAILED) from None
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {markup_safe(warning)}", highlight=False)
    console.print(f"wrote {markup_safe(result.path)} with {markup_safe(', '.join(result.files))}", highlight=False)


def main() -> None:
    app()
