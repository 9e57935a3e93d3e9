"""Builds the submission: a notebook with a 100 MiB output."""

import zipfile
from pathlib import Path

GOOD = (Path(__file__).parents[2] / "archives" / "GOOD_calc.py").read_text()


def build(dest, host):
    import json

    cell = {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": ["print('x' * 10**8)"],
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["x" * (100 * 2**20)]}]}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = dest / "hw1.ipynb"
    path.write_text(json.dumps(notebook))
    return path
