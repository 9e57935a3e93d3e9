"""The HTML report of one graded submission: one self-contained page.

The page must open from a zip on a phone with no network, so the CSS is inline and
there are no fonts, scripts or CDNs. Everything the student's code produced (messages,
captured output, file names) is untrusted text: the jinja2 environment autoescapes
every value and the template never marks one ``|safe``.

The student's report never shows ``ItemResult.instructor_detail`` (grader tracebacks,
hidden-test internals); ``render_html(result, instructor=True)`` renders the same page
with it, for the course staff.
"""

from __future__ import annotations

import base64
import functools
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import jinja2

from grader._io import atomic_write_text
from grader.report.keywords import keyword_segments
from grader.report.notebook_html import item_anchors, render_notebook_section
from grader.results.models import (
    Artifact,
    ItemResult,
    ItemStatus,
    Outcome,
    SubmissionResult,
)

__all__ = ["INSTRUCTOR_REPORT_NAME", "REPORT_NAME", "render_html", "write_html_report"]

REPORT_NAME = "report.html"
INSTRUCTOR_REPORT_NAME = "report-instructor.html"
_TEMPLATE = "report.html.j2"
#: the "why" line under a lost point is one line of the first message, this long at most
_WHY_CHARS = 200


@dataclass(frozen=True)
class Badge:
    """How a status looks: a word and a symbol beside the colour, never colour alone."""

    label: str
    css: str
    icon: str


BADGES: dict[ItemStatus, Badge] = {
    ItemStatus.PASSED: Badge("Passed", "passed", "\u2713"),
    ItemStatus.PARTIAL: Badge("Partial", "partial", "\u25d0"),
    ItemStatus.FAILED: Badge("Failed", "failed", "\u2717"),
    ItemStatus.ERROR: Badge("Error", "error", "!"),
    ItemStatus.MANUAL: Badge("TA grading", "manual", "\u270e"),
}

_DEFAULT_WHY: dict[ItemStatus, str] = {
    ItemStatus.PARTIAL: "only part of the check passed",
    ItemStatus.FAILED: "the check failed",
    ItemStatus.ERROR: "the check could not run against your code",
}


@dataclass(frozen=True)
class ArtifactView:
    title: str
    #: a URL relative to the report, or "" when the path is not a safe relative path
    src: str
    path: str
    is_image: bool
    #: inline text content (a ``text/plain`` artifact), shown as preformatted text
    text: str = ""


@dataclass(frozen=True)
class ItemView:
    """What the template needs about one item, computed here so the template stays dumb."""

    item: ItemResult
    anchor: str
    badge: Badge
    lost_line: str
    artifacts: tuple[ArtifactView, ...]
    output_lines: int
    #: the student's written answer cut into (text, is_keyword) segments; the template escapes them
    answer_segments: tuple[tuple[str, bool], ...] = ()
    #: the item id cut after its separators ("backprop." "forward"), so a narrow screen breaks it there
    id_parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoreView:
    score: float
    max_score: float
    #: width of the bar, 0..100 (extra credit can take the score past the maximum)
    percent: float
    extra: float


# -- public API -------------------------------------------------------------------


def render_html(result: SubmissionResult, *, instructor: bool = False, base: Path | None = None) -> str:
    """Render the report page; ``instructor=True`` adds the instructor-only details.

    The page's Content-Security-Policy lets it load nothing: with ``base`` (the report's
    folder) the grader's image artifacts there are inlined as ``data:`` URLs so they show.
    """
    template = _environment().get_template(_TEMPLATE)
    return template.render(
        result=result,
        score=_score_view(result),
        items=[_item_view(item, n, base) for n, item in enumerate(result.items, start=1)],
        manual_pending=_manual_pending(result),
        graded_at=_format_time(result.started_at),
        instructor=instructor,
        notebook=render_notebook_section(result.notebook) if result.notebook is not None else None,
        notebook_links=item_anchors(result.notebook, [i.id for i in result.items]) if result.notebook else {},
        Outcome=Outcome,
        ItemStatus=ItemStatus,
    )


def write_html_report(
    result: SubmissionResult, out_dir: str | os.PathLike[str], *, instructor: bool = False
) -> Path:
    """Write ``report.html`` (or the instructor's copy) into ``out_dir``, atomically.

    Artifacts are referenced by their path relative to ``out_dir``; they are expected
    to be there already (the checks write them), this function does not copy them.
    """
    target = Path(out_dir) / (INSTRUCTOR_REPORT_NAME if instructor else REPORT_NAME)
    atomic_write_text(target, render_html(result, instructor=instructor, base=Path(out_dir)))
    return target


# -- formatting helpers (also used as jinja filters) -----------------------------


def format_points(value: float) -> str:
    """Points as a person writes them: ``7.5``, ``10``, ``0.33``; never ``7.500000001``."""
    return f"{round(value, 2):g}"


def format_duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _format_time(moment: datetime) -> str:
    """UTC when the time knows its zone; a batch graded across machines then reads the same."""
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# -- view models ------------------------------------------------------------------


def _score_view(result: SubmissionResult) -> ScoreView:
    score, maximum = result.score, result.max_score
    percent = 0.0 if maximum <= 0 else max(0.0, min(100.0, 100.0 * score / maximum))
    regular = sum(i.points for i in result.items if not i.extra_credit)
    return ScoreView(score, maximum, round(percent, 1), round(score - regular, 6))


def _item_view(item: ItemResult, number: int, base: Path | None = None) -> ItemView:
    return ItemView(
        item=item,
        anchor=f"item-{number}",
        badge=BADGES[item.status],
        lost_line=_lost_line(item),
        artifacts=tuple(_artifact_view(a, base) for a in item.artifacts),
        id_parts=tuple(_break_points(item.id)),
        output_lines=len(item.output.rstrip("\n").splitlines()),
        answer_segments=tuple(keyword_segments(item.answer, item.keywords)),
    )



def _lost_line(item: ItemResult) -> str:
    """One line saying why points were lost, so nobody has to infer it from the colour."""
    lost = item.max_points - item.points
    if item.status is ItemStatus.MANUAL or lost <= 1e-9:
        return ""
    noun = "point" if abs(lost - 1) < 1e-9 else "points"
    why = _reason(item.messages) or _DEFAULT_WHY.get(item.status, "")
    why = why or "no reason was recorded; ask the course staff"
    if item.extra_credit:
        return f"Extra credit not earned ({format_points(lost)} {noun}): {why}"
    return f"Lost {format_points(lost)} {noun}: {why}"


_TESTS_PASSED = re.compile(r"^(\d+) of (\d+) tests? passed\.?$")


def _reason(messages: tuple[str, ...]) -> str:
    """The actual reason among an item's messages, not its first line when that one reads as a pass.

    - a tests item: "all-or-nothing: 1 of 4 tests passed; <first failure>" (or without the
      all-or-nothing part);
    - a message that withdraws points after a pass ("No points yet: ..."): that message;
    - a heading ending in ":" (the rules broken): the heading and the first line under it.
    """
    lines = [_first_line(m) for m in messages if m.strip()]
    if not lines:
        return ""
    withdrawn = next((line for line in lines if line.startswith("No points yet")), "")
    if withdrawn:
        return withdrawn
    counted = _TESTS_PASSED.match(lines[0])
    if counted:
        all_or_nothing = any("all-or-nothing" in line for line in lines[1:])
        failures = [line for line in lines[1:] if "all-or-nothing" not in line]
        head = f"{'all-or-nothing: ' if all_or_nothing else ''}{counted.group(1)} of {counted.group(2)} tests passed"
        return _cut(f"{head}; {failures[0]}" if failures else head)
    if lines[0].endswith(":") and len(lines) > 1:
        return _cut(f"{lines[0]} {lines[1]}")
    return lines[0]


def _cut(line: str) -> str:
    return line if len(line) <= _WHY_CHARS else line[: _WHY_CHARS - 1] + "\u2026"


def _break_points(item_id: str) -> list[str]:
    """``"backprop.forward_relu"`` -> ``["backprop.", "forward_", "relu"]``: the places a line may break."""
    return [part for part in re.split(r"(?<=[._(/-])", item_id) if part]


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line if len(line) <= _WHY_CHARS else line[: _WHY_CHARS - 1] + "\u2026"


def _artifact_view(artifact: Artifact, base: Path | None = None) -> ArtifactView:
    if artifact.data_b64:
        # only these two types are ever inlined: a data: URL of any other type could carry a page
        if artifact.media_type == "image/png":
            return ArtifactView(artifact.title, f"data:image/png;base64,{artifact.data_b64}", "", True)
        if artifact.media_type == "text/plain":
            text = base64.b64decode(artifact.data_b64).decode("utf-8", "replace")
            return ArtifactView(artifact.title, "", "", False, text=text)
        return ArtifactView(artifact.title, "", f"(inline {artifact.media_type or 'data'})", False)
    src = _safe_relative_url(artifact.path)
    is_image = artifact.kind == "image"
    if src and is_image and base is not None:
        inline = _inline_image(base, artifact.path)
        if inline:
            return ArtifactView(artifact.title, inline, artifact.path, True)
    return ArtifactView(artifact.title, src, artifact.path, is_image)


#: an image artifact larger than this stays a link (the page must open on a phone)
_INLINE_MAX_BYTES = 8 * 1024 * 1024
_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"))


def _inline_image(base: Path, path: str) -> str:
    """A ``data:`` URL of the grader's image at ``base/path`` (PNG, JPEG or GIF by content), or ""."""
    target = base / PurePosixPath(path.replace("\\", "/"))
    try:
        if target.is_symlink() or not target.is_file() or target.stat().st_size > _INLINE_MAX_BYTES:
            return ""
        data = target.read_bytes()
    except OSError:
        return ""
    media = next((kind for magic, kind in _IMAGE_MAGIC if data.startswith(magic)), "")
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}" if media else ""


def _safe_relative_url(path: str) -> str:
    """A URL for a path inside the report folder, or "" for anything that could leave it.

    Autoescaping stops attribute injection; this stops ``javascript:``, absolute paths
    and ``..`` from pointing the page anywhere but its own folder.
    """
    posix = PurePosixPath(path.replace("\\", "/"))
    if not path or posix.is_absolute() or ".." in posix.parts or ":" in path:
        return ""
    return quote(posix.as_posix())


def _manual_pending(result: SubmissionResult) -> float:
    return sum(i.max_points for i in result.items if i.status is ItemStatus.MANUAL)


# -- plumbing ---------------------------------------------------------------------


@functools.cache
def _environment() -> jinja2.Environment:
    """One environment per process: autoescape on for every template, undefined is an error."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("grader.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pts"] = format_points
    env.filters["duration"] = format_duration
    return env
