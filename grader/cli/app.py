"""Entry point of the ``grader`` command; each command calls one keyword-only API function."""

from __future__ import annotations

import typer

from grader.cli.data import data_app

app = typer.Typer(
    name="grader",
    help="Grade deep-learning homework in a sandbox: hidden tests, training checks, HTML reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(data_app, name="data")


def main() -> None:
    app()
