"""The side-by-side page and the index in headless chromium: matches highlighted on both sides, nothing runs."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.similarity import run_similarity
from tests.chromium import dump_dom, screenshot
from tests.similarity.synth import HONEST, REFERENCE, REFERENCE_RENAMES, rename, submission, write

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]
HOSTILE_ID = "<img src=x onerror=alert(1)>"
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def _elements(dom: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(dom)
    return parser.found


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> tuple[Path, object]:
    subs = tmp_path_factory.mktemp("pages") / "subs"
    hostile = dict(REFERENCE)
    hostile["mse"] = ('note = "</code><script>alert(2)</script>"  # \u202e evil\n' + REFERENCE["mse"])
    write(subs / "alice", submission(hostile))
    write(subs / HOSTILE_ID, submission(rename(hostile, REFERENCE_RENAMES)))
    write(subs / "dave", submission(HONEST))
    report = run_similarity(subs, assignment="nyu-dl-hw1", out_dir=subs.parent / "out", root=REPO)
    return subs.parent / "out", report


def test_side_by_side_page_highlights_the_matches_on_both_sides(pages, tmp_path) -> None:
    out, report = pages
    top = report.pairs[0]
    assert {top.a.student, top.b.student} == {"alice", HOSTILE_ID}
    dom = dump_dom(out / top.page, tmp_path)
    elements = _elements(dom)
    regions = {a: [e for t, e in elements if t == "section" and e.get("id") == f"side-{a}"] for a in "ab"}
    assert regions["a"] and regions["b"], "the two sides are missing"
    for side in ("a", "b"):
        section = dom[dom.index(f'id="side-{side}"'):]
        section = section[:section.index("</section>")]
        marked = re.findall(r'class="ln m r\d"[^>]*data-region="(\d+)"', section)
        assert len(set(marked)) == len(top.regions), f"side {side}: {len(set(marked))} regions highlighted"
        for n in range(1, len(top.regions) + 1):
            assert f'id="{side}-r{n}"' in section, f"side {side}: no anchor for region {n}"
    links = [e.get("href") for t, e in elements if t == "a"]
    assert "index.html" in links and "#a-r1" in links and "#b-r1" in links
    csp = [e.get("content") for t, e in elements if t == "meta" and e.get("http-equiv") == "Content-Security-Policy"]
    assert csp == [CSP]


def test_student_text_is_escaped_and_nothing_runs(pages, tmp_path) -> None:
    out, report = pages
    hostile_pages = {out / p.page for p in report.pairs if HOSTILE_ID in (p.a.student, p.b.student)}
    assert hostile_pages
    for page in [out / "index.html", *(out / p.page for p in report.pairs)]:
        dom = dump_dom(page, tmp_path)
        elements = _elements(dom)
        assert "script" not in [t for t, _ in elements], f"{page.name}: student text became a <script>"
        handlers = [(t, a) for t, attrs in elements for a in attrs if a.startswith("on")]
        assert handlers == [], f"{page.name}: event handlers rendered: {handlers}"
        sources = [attrs.get("src") or "" for t, attrs in elements if t == "img"]
        assert all(s.startswith("data:image/png;base64,") for s in sources), f"{page.name}: an image from elsewhere"
        if page in hostile_pages or page.name == "index.html":
            assert "&lt;img src=x onerror=alert(1)&gt;" in dom
    pair = dump_dom(out / report.pairs[0].page, tmp_path)
    assert "&lt;/code&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in pair
    assert "\\u202e evil" in pair and "\u202e" not in pair, "a bidi override reached the page"


def test_index_lists_the_pairs_with_the_histogram(pages, tmp_path) -> None:
    out, report = pages
    dom = dump_dom(out / "index.html", tmp_path)
    rows = re.findall(r'<tr class="look">', dom)
    assert len(rows) == report.flagged == 1
    assert re.search(r'<img src="data:image/png;base64,[^"]{2000,}"', dom), "no histogram"
    assert 'id="n-students">3<' in dom


@pytest.mark.parametrize("width", [412, 1280], ids=["phone", "desktop"])
def test_side_by_side_page_renders(pages, tmp_path, width: int) -> None:
    out, report = pages
    shot = screenshot(out / report.pairs[0].page, tmp_path, width, 1400)
    assert shot.stat().st_size > 20_000
