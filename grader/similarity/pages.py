"""The TA's pages: a ranked index with a histogram, and one side-by-side page per listed pair.

Self-contained like the class summary: inline CSS, the histogram as a ``data:`` PNG drawn
with matplotlib's object API, no script, and the strict Content-Security-Policy
``default-src 'none'; img-src data:; style-src 'unsafe-inline'``. Student text (names, code)
is autoescaped by jinja2; control and bidi-override characters in code are shown as visible
``\\u`` escapes so that no line reads other than it runs ("Trojan Source"). Beside the pages,
``pairs.csv`` (formula-safe cells) and ``similarity.json`` are for tools.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from grader._io import atomic_write_text
from grader.batch.csvsafe import csv_text

if TYPE_CHECKING:
    from grader.similarity.api import RankedPair, SimilarityReport
    from grader.similarity.compare import Fingerprints
    from grader.similarity.sources import Entry

__all__ = ["write_pages", "INDEX_NAME", "JSON_NAME", "visible"]

INDEX_NAME = "index.html"
JSON_NAME = "similarity.json"
#: colours of regions cycle through this many classes
_COLOURS = 6
#: unmatched lines shown around a match; the rest of a file is folded
_CONTEXT = 4
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def visible(text: str) -> str:
    """``text`` with control, zero-width and bidi characters written out as ``\\uXXXX``."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    #: the region (1-based) this line's tokens belong to, 0 for none
    region: int
    #: the line where a region starts carries its anchor
    anchor: str


@dataclass(frozen=True)
class ShownFile:
    name: str
    lines: tuple[Line, ...]
    matched: int

    def blocks(self) -> list[tuple[bool, tuple[Line, ...]]]:
        """Runs of lines, ``(folded, lines)``: what is far from every match is folded away."""
        near = [False] * len(self.lines)
        for n, line in enumerate(self.lines):
            if line.region:
                for m in range(max(0, n - _CONTEXT), min(len(self.lines), n + _CONTEXT + 1)):
                    near[m] = True
        out: list[tuple[bool, tuple[Line, ...]]] = []
        start = 0
        for n in range(1, len(self.lines) + 1):
            if n == len(self.lines) or near[n] != near[start]:
                run = self.lines[start:n]
                folded = not near[start] and len(run) > 2
                if out and not folded and not out[-1][0]:
                    out[-1] = (False, out[-1][1] + run)
                else:
                    out.append((folded, run))
                start = n
        return out


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.similarity", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v: f"{100 * v:.0f}%"
    env.filters["data_image"] = lambda v: v if isinstance(v, str) and v.startswith("data:image/png;base64,") else ""
    return env


def write_pages(report: "SimilarityReport", prints: dict[str, "Fingerprints"],
                groups: list[tuple["Entry", ...]]) -> Path:
    """Write the index, a page per listed pair, ``pairs.csv`` and ``similarity.json``; return the index."""
    from grader.batch.journal import now

    out = report.out_dir
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("pair-*.html"):  # a pair of an earlier run may no longer be listed
        old.unlink()
    twins = {g[0].key: g[1:] for g in groups}
    generated = now().strftime("%Y-%m-%d %H:%M UTC")
    env = _environment()
    for ranked in report.pairs:
        sides = _sides(ranked, prints)
        # no fsync per pair page (hundreds of them, all derived); the index, CSV and JSON are written atomically
        (out / ranked.page).write_text(env.get_template("pair.html.j2").render(
            report=report, p=ranked, sides=sides, twins=twins, colours=_COLOURS, generated=generated),
            encoding="utf-8")
    index = out / INDEX_NAME
    atomic_write_text(index, env.get_template("index.html.j2").render(
        report=report, twins=twins, histogram=plot_scores(report.scores, report.threshold) if report.scores else "",
        generated=generated))
    atomic_write_text(out / "pairs.csv", _pairs_csv(report))
    atomic_write_text(out / JSON_NAME, json.dumps(_summary_json(report), indent=2) + "\n")
    return index


def _sides(ranked: "RankedPair", prints: dict[str, "Fingerprints"]) -> tuple[list[ShownFile], list[ShownFile]]:
    out = []
    for side, key in (("a", ranked.a.key), ("b", ranked.b.key)):
        files = prints[key].files
        marks: dict[int, dict[int, int]] = {i: {} for i in range(len(files))}
        starts: dict[tuple[int, int], int] = {}
        for number, region in enumerate(ranked.regions, start=1):
            file = region.file_a if side == "a" else region.file_b
            lines = region.lines_a if side == "a" else region.lines_b
            for line in lines:
                marks[file].setdefault(line, number)
            # the anchor goes on the region's first line that no earlier region's anchor took
            free = next((n for n in lines if (file, n) not in starts), lines[0])
            starts.setdefault((file, free), number)
        shown = []
        for index, source in enumerate(files):
            rows = tuple(Line(n, visible(text), marks[index].get(n, 0),
                              f"{side}-r{starts[(index, n)]}" if (index, n) in starts else "")
                         for n, text in enumerate(source.text.split("\n"), start=1))
            shown.append(ShownFile(source.name, rows, len(marks[index])))
        shown.sort(key=lambda f: (f.matched == 0, f.name))  # files with matches first
        out.append(shown)
    return out[0], out[1]


def plot_scores(scores: list[float], threshold: float) -> str:
    """A histogram of every pair's score (log counts, so a few outliers show beside thousands of zeros)."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"font.size": 11}):
        fig = Figure(figsize=(5.2, 3.0))
        ax = fig.add_subplot()
        ax.hist([100 * s for s in scores], bins=50, range=(0, 100), color="#2f5bd3", edgecolor="white", log=True)
        ax.axvline(100 * threshold, color="#a12a1e", linestyle="--", label=f"threshold {100 * threshold:.0f}%")
        ax.set_xlabel("similarity of a pair (%)")
        ax.set_ylabel("pairs (log)")
        ax.set_title("Score distribution over every pair")
        ax.legend(frameon=False)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _pairs_csv(report: "SimilarityReport") -> str:
    rows: list[list[object]] = [["rank", "student_a", "student_b", "score", "cover_a", "cover_b", "shared_fingerprints",
                                 "regions", "look", "page"]]
    for p in report.pairs:
        rows.append([p.rank, p.a.student, p.b.student, round(p.pair.score, 4), round(p.pair.cover_a, 4),
                     round(p.pair.cover_b, 4), p.pair.shared, len(p.regions), "yes" if p.flagged else "", p.page])
    return csv_text(rows)  # type: ignore[arg-type]


def _summary_json(report: "SimilarityReport") -> dict[str, object]:
    return {
        "assignment": report.assignment, "students": report.students, "distinct": report.distinct,
        "threshold": report.threshold, "common": report.common, "flagged": report.flagged,
        "pairs": [{"rank": p.rank, "a": p.a.student, "b": p.b.student, "score": round(p.pair.score, 4),
                   "cover_a": round(p.pair.cover_a, 4), "cover_b": round(p.pair.cover_b, 4),
                   "shared": p.pair.shared, "page": p.page,
                   "regions": [{"file_a": _name(report, p, r.file_a, "a"), "lines_a": list(r.span_a),
                                "file_b": _name(report, p, r.file_b, "b"), "lines_b": list(r.span_b)}
                               for r in p.regions]}
                  for p in report.pairs],
        "identical": [[e.student for e in group] for group in report.identical],
        "unreadable": [list(u) for u in report.unreadable],
    }


def _name(report: "SimilarityReport", ranked: "RankedPair", index: int, side: str) -> str:
    names = report.file_names.get(ranked.a.key if side == "a" else ranked.b.key, ())
    return names[index] if index < len(names) else ""
