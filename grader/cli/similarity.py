"""``grader similarity``: a thin wrapper over :func:`grader.similarity.run_similarity`.

Registered in ``grader/cli/app.py`` as ``app.command("similarity")(similarity)``. Defaults live
in :class:`grader.similarity.SimilarityOptions`; an option left out here is passed as ``None``.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader.cli.exit_codes import ExitCode

__all__ = ["similarity", "after_batch", "print_similarity"]

console = Console()
err = Console(stderr=True)


def similarity(
    source: Path = typer.Argument(..., help="A `grader batch` output folder, or a folder of submissions."),
    assignment: str = typer.Option(..., "--assignment", "-a", help="Assignment id, e.g. nyu-dl-hw1."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for the pages (default: SOURCE/similarity "
                                                                 "for a batch output, else ./similarity-out)."),
    threshold: Optional[float] = typer.Option(None, "--threshold", min=0.0, max=1.0,
                                              help="Mark pairs at or above this score (0..1; default 0.5)."),
    common: Optional[int] = typer.Option(None, "--common", min=0,
                                         help="Ignore code found in more than this many submissions (default: a "
                                              "tenth of the class, at least 10; 0: never)."),
    max_pairs: Optional[int] = typer.Option(None, "--max-pairs", min=1, help="Pairs listed, each with a page "
                                                                              "(default 200)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Processes (default: one per core)."),
) -> None:
    """Which submissions share code beyond the starter: ranked pairs, side-by-side pages (for the TA only)."""
    from grader.similarity import SimilarityOptions
    from grader.similarity.batch import relink_summary
    from grader.similarity.links import SIMILARITY_DIR

    options = _options(SimilarityOptions, threshold=threshold, common=common, max_pairs=max_pairs, jobs=jobs)
    batch_out = (source / "batch.json").is_file()
    target = out or (source / SIMILARITY_DIR if batch_out else Path("similarity-out"))
    with _user_errors():
        with console.status(f"Comparing the submissions of {source} ({assignment})..."):
            from grader.similarity import run_similarity

            report = run_similarity(source, assignment=assignment, out_dir=target, options=options)
            if batch_out and target.resolve() == (source / SIMILARITY_DIR).resolve():
                relink_summary(source)
                console.print(f"linked from {source / 'summary.html'}", highlight=False, markup=False)
    print_similarity(report)


def _options(cls, **given):  # type: ignore[no-untyped-def]
    """The options the user gave; the others keep the API's defaults."""
    return cls(**{k: v for k, v in given.items() if v is not None})


def print_similarity(report) -> None:  # type: ignore[no-untyped-def]
    """The best pairs as a table, then where the pages are."""
    from grader.worker.protocol import printable

    table = Table(title=f"similarity {report.assignment}: {report.students} students, {report.distinct} distinct, "
                        f"{report.flagged} pair(s) at or above {100 * report.threshold:.0f}%")
    for column in ("#", "student A", "student B", "score", "regions"):
        table.add_column(column, justify="right" if column in ("#", "score", "regions") else "left")
    for p in report.pairs[:10]:
        table.add_row(str(p.rank), escape(printable(p.a.label)), escape(printable(p.b.label)),
                      f"{100 * p.pair.score:.0f}%" + (" !" if p.flagged else ""), str(len(p.regions)))
    console.print(table)
    for group in report.identical:
        console.print("identical: " + ", ".join(printable(e.label) for e in group), highlight=False, markup=False)
    for who, why in report.unreadable:
        err.print(f"not compared: {printable(who)}: {printable(why)}", highlight=False, markup=False)
    console.print(f"pages (TA only): {report.index} ({report.elapsed_s:.1f} s)", highlight=False, markup=False)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Known mistakes print one message with the next step and exit with a usage code; no traceback."""
    from grader.assignments import UnknownAssignment
    from grader.batch import DiscoveryError, JournalBusy, JournalError
    from grader.rubric import RubricError
    from grader.similarity import SimilarityError

    try:
        yield
    except (UnknownAssignment, RubricError, DiscoveryError, JournalBusy, JournalError, SimilarityError) as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(ExitCode.USAGE_ERROR) from None


def after_batch(out: Path, assignment: str) -> None:
    """``grader batch --similarity``: compare the class just graded; pages in OUT/similarity/, linked from the summary."""
    from grader.similarity.batch import similarity_for_batch

    with _user_errors():
        with console.status("Comparing the class's code (similarity)..."):
            report = similarity_for_batch(out, assignment=assignment)
    print_similarity(report)
