"""Notebook intake on the trusted side: what is refused, with which message (no sandbox needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.notebooks.validate import NotebookInvalid, find_notebook, load_notebook
from tests.notebooks.conftest import GOOD_CELLS, make_notebook


def _write(tmp_path: Path, content: str | bytes, name: str = "nb.ipynb") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_a_good_notebook_gives_its_cells(tmp_path):
    nb = load_notebook(_write(tmp_path, make_notebook(GOOD_CELLS)))
    assert [c.kind for c in nb.cells] == ["markdown", "code", "code", "code", "code"]
    assert nb.code_cells[0].source.startswith("def square") and nb.code_cells[0].index == 1


def test_not_json_is_refused_with_the_place(tmp_path):
    with pytest.raises(NotebookInvalid, match=r"not valid JSON \(line 1, column 2.*submit the saved"):
        load_notebook(_write(tmp_path, "{print('hello')}"))


def test_binary_is_refused(tmp_path):
    with pytest.raises(NotebookInvalid, match="not UTF-8"):
        load_notebook(_write(tmp_path, b"\xff\xfe\x00PK"))


def test_json_that_is_not_a_notebook(tmp_path):
    with pytest.raises(NotebookInvalid, match="not a notebook"):
        load_notebook(_write(tmp_path, json.dumps([1, 2, 3])))


def test_wrong_version(tmp_path):
    data = json.loads(make_notebook(GOOD_CELLS))
    data["nbformat"] = 5
    with pytest.raises(NotebookInvalid, match="format version 5"):
        load_notebook(_write(tmp_path, json.dumps(data)))


def test_schema_violation(tmp_path):
    data = json.loads(make_notebook(GOOD_CELLS))
    data["cells"][1]["cell_type"] = "spreadsheet"
    with pytest.raises(NotebookInvalid, match="does not follow the notebook format"):
        load_notebook(_write(tmp_path, json.dumps(data)))


def test_huge_notebook_is_refused_before_parsing(tmp_path):
    with pytest.raises(NotebookInvalid, match=r"above the 0.01 MiB limit.*Clear its outputs"):
        load_notebook(_write(tmp_path, make_notebook(GOOD_CELLS * 20)), max_mb=0.01)


def test_find_notebook_accepts_one_notebook_under_another_name(tmp_path):
    _write(tmp_path, make_notebook(GOOD_CELLS), "my homework.ipynb")
    assert find_notebook(tmp_path, "toy.ipynb").name == "my homework.ipynb"
    _write(tmp_path, make_notebook(GOOD_CELLS), "copy.ipynb")
    with pytest.raises(NotebookInvalid, match="holds 2 notebooks"):
        find_notebook(tmp_path, "toy.ipynb")
