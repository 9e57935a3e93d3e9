"""The executed notebook's HTML page: anchors per cell, images inline, the student's text escaped."""

from __future__ import annotations

import base64

from grader.results.models import NotebookCellResult
from grader.notebooks.outputs import clean_outputs
from grader.report.notebook_html import render_notebook_html

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()


def _cells() -> list[NotebookCellResult]:
    return [
        NotebookCellResult(index=0, kind="markdown", source="## 4(c) plots <script>alert(1)</script> [x](javascript:alert(1))"),
        NotebookCellResult(index=1, kind="code", source="print('<b>hi</b>')", status="ok",
                   outputs=({"output_type": "stream", "name": "stdout", "text": "<b>hi</b>\n"},
                            {"output_type": "display_data", "data": {"image/png": PNG, "text/plain": "<Figure>"},
                             "metadata": {}})),
        NotebookCellResult(index=2, kind="code", source="1/0", status="error", message="cell 2 raised ZeroDivisionError",
                   outputs=({"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero",
                             "traceback": ["  notebook cell 2, line 1", "ZeroDivisionError: division by zero"]},)),
    ]


def test_page_has_anchors_images_and_escaped_text():
    page = render_notebook_html(_cells(), name="toy.ipynb", kernel_start_s=1.5, execution_s=2.25)
    assert 'id="cell-1"' in page and 'id="cell-2"' in page
    assert f"data:image/png;base64,{PNG}" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page
    assert "&lt;b&gt;hi&lt;/b&gt;" in page and "<b>hi</b>" not in page
    assert 'href="#cell-2"' in page and "ZeroDivisionError: division by zero" in page
    assert "Content-Security-Policy" in page


def test_outputs_from_the_worker_are_rebuilt_from_known_fields():
    hostile = [
        {"output_type": "display_data", "data": {"text/html": "<script>x</script>", "image/png": "bm90IGEgcG5n"}},
        {"output_type": "display_data", "data": {"image/png": PNG, "application/javascript": "x"}},
        {"output_type": "stream", "name": "stdout", "text": "\x1b[31mred\x1b[0m", "extra": 1},
        {"output_type": "update_display_data", "data": {}},
        "not a dict",
    ]
    cleaned = clean_outputs(hostile)
    assert cleaned[0] == {"output_type": "display_data", "data": {"image/png": PNG}, "metadata": {}}
    assert cleaned[1]["output_type"] == "stream" and "\x1b" not in cleaned[1]["text"]
    assert len(cleaned) == 2


def test_item_anchors_follow_the_part_headings():
    from grader.report.notebook_html import item_anchors, render_notebook_section
    from grader.results.models import NotebookCellResult, NotebookRecord

    record = NotebookRecord(name="nb.ipynb", cells=(
        NotebookCellResult(index=0, kind="markdown", source="## 3 Networks set by hand"),
        NotebookCellResult(index=1, kind="code", source="x = 1", status="ok"),
        NotebookCellResult(index=2, kind="markdown", source="## 4(c) Activations\n\ntext"),
    ))
    assert item_anchors(record, ["3.1", "4(c)", "5(a)"]) == {"3.1": "cell-0", "4(c)": "cell-2", "5(a)": "notebook"}
    section = render_notebook_section(record)
    assert 'id="cell-1"' in section and "<h2>" in section
