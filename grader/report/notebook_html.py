"""The executed notebook as one self-contained HTML page (``notebook.html`` beside the report).

Each cell is an anchor (``#cell-7``) that the report's items link to. Markdown is rendered
by markdown-it with raw HTML off (the student's text cannot inject markup or scripts); code,
streams and tracebacks are escaped by jinja2; images are the PNG/JPEG outputs the grader
already checked (``grader/notebooks/outputs.py``), inlined as ``data:`` URIs.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Iterable

import jinja2
import markupsafe

__all__ = ["render_notebook_html", "render_notebook_section", "item_anchors", "NOTEBOOK_PAGE", "cell_anchor"]

#: the page's name in a report folder
NOTEBOOK_PAGE = "notebook.html"
_STATUS_WORDS = {"ok": "ran", "error": "raised an error", "timeout": "timed out", "killed": "stopped the worker",
                 "not run": "not run"}


def cell_anchor(index: int) -> str:
    return f"cell-{index}"


#: the only images a report shows from the student's markdown: inline ones (nothing is fetched)
_INLINE_IMAGE = ("data:image/png;", "data:image/jpeg;", "data:image/gif;", "data:image/webp;")


@functools.lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    default_image = md.renderer.rules["image"]

    def image(tokens: Any, idx: int, options: Any, env: Any) -> str:
        """A ``data:`` image as markdown-it writes it; any other (a tracking pixel, a local file) dropped."""
        src = str(tokens[idx].attrGet("src") or "")
        if src.lower().startswith(_INLINE_IMAGE):
            return str(default_image(tokens, idx, options, env))
        alt = markupsafe.escape(tokens[idx].content or "image")
        return f'<span class="nb-dropped">[image not shown: {alt} (only images inside the notebook are)]</span>'

    md.renderer.rules["image"] = image
    return md


def _render_markdown(text: str) -> markupsafe.Markup:
    return markupsafe.Markup(_markdown().render(text))  # html=False: raw HTML in the text is escaped


@functools.lru_cache(maxsize=2)
def _template(name: str) -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["markdown"] = _render_markdown
    return env.get_template(name)


def _context(cells: Iterable[Any], name: str, kernel_start_s: float, execution_s: float) -> dict[str, Any]:
    cells = list(cells)
    failed = [c for c in cells if c.status in ("error", "timeout", "killed")]
    return {"cells": cells, "name": name, "failed": failed, "kernel_start_s": kernel_start_s,
            "execution_s": execution_s, "status_words": _STATUS_WORDS, "anchor": cell_anchor}


def render_notebook_html(cells: Iterable[Any], *, name: str, title: str = "", kernel_start_s: float = 0.0,
                         execution_s: float = 0.0) -> str:
    """A standalone page for a notebook run; ``cells`` have ``index, kind, source, status, outputs,
    duration_s, message`` (``NotebookCellResult``)."""
    return _template("notebook.html.j2").render(title=title or name,
                                                **_context(cells, name, kernel_start_s, execution_s))


def render_notebook_section(record: Any) -> markupsafe.Markup:
    """The cells of a ``NotebookRecord`` as HTML to embed in the report (self-contained, one file)."""
    html = _template("notebook_cells.html.j2").render(
        **_context(record.cells, record.name, record.kernel_start_s, record.execution_s))
    return markupsafe.Markup(html)


def item_anchors(record: Any, item_ids: Iterable[str]) -> dict[str, str]:
    """For each rubric item, the anchor of the markdown heading of its part (``## 4(c) ...`` for item
    ``4(c)``, ``## 3 ...`` for item ``3.1``); items with no such heading get the notebook's top."""
    headings = []
    for cell in record.cells:
        if cell.kind == "markdown":
            first = cell.source.lstrip().split("\n", 1)[0]
            if first.startswith("#"):
                headings.append((first.lstrip("#").strip(), cell.index))
    anchors = {}
    for item_id in item_ids:
        candidates = [item_id, item_id.split(".", 1)[0]]
        anchor = "notebook"
        for candidate in candidates:
            hit = next((index for text, index in headings if text.split(" ", 1)[0] == candidate), None)
            if hit is not None:
                anchor = cell_anchor(hit)
                break
        anchors[item_id] = anchor
    return anchors
