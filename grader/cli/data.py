"""``grader data ...``: placeholder until the datasets registry lands."""

import typer

data_app = typer.Typer(help="Datasets the rubrics use: list, fetch, import, verify, where.", no_args_is_help=True)
