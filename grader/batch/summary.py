"""The class summary page: one self-contained HTML file for the course staff.

Rendered from the journal (through :func:`grader.batch.outputs.class_view`), never from
the reports. Plots are drawn with matplotlib's object API (no pyplot state) and embedded as
PNG data URIs, the CSS is inline, and there is no script: the file opens from a zip on a
phone. Student-made text (names, reasons) is autoescaped by jinja2.

What it shows: counts by outcome; **needs attention**, every student a human must look at,
with why; score statistics (over graded submissions: one that could not be graded has no
score) and a histogram; per item the mean points and the share passed, partial, failed,
errored or awaiting a TA; time per graded submission (copies of an identical submission are
not timed again, so they are left out); the slowest submissions and slow outliers; **every
student** with links to both reports, sortable by id, score or time without a script (CSS
``order`` picked by radio buttons); what discovery did not grade; and links to other class
pages passed in by the caller (``links``: a similarity report, for one).

Needs attention: a grader error, not gradable, a required file missing, a score of zero, a
check that could not run, manual items awaiting a TA, a result a check calls implausible (a
warning or item message starting with "Implausible"), and a **low score** by a robust rule:
below the median by more than 3 scaled MADs (1.4826 x the median absolute deviation), or,
when the MAD is 0 (most students share one score), by more than a quarter of the points;
the cut-off is never below zero. A slow submission took more than Q3 + 1.5 IQR and more
than twice the median.

The page has the strict Content-Security-Policy of ``notebook.html`` (nothing is fetched, no
script runs) and only ``data:`` images.
"""

from __future__ import annotations

import base64
import functools
import io
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import jinja2

from grader.batch.journal import atomic_write_text, now
from grader.results.models import ItemStatus, Outcome

if TYPE_CHECKING:
    from grader.batch.outputs import StudentView

__all__ = ["ClassStats", "SummaryLink", "attention_reasons", "class_stats", "render_summary", "write_summary", "SUMMARY_NAME"]

SUMMARY_NAME = "summary.html"
_SLOWEST = 10


@dataclass(frozen=True)
class ItemStats:
    id: str
    title: str
    max_points: float
    mean_points: float
    passed: int
    partial: int
    failed: int
    error: int
    manual: int
    extra_credit: bool

    @property
    def pass_rate(self) -> float:
        done = self.passed + self.partial + self.failed + self.error
        return self.passed / done if done else 0.0


@dataclass(frozen=True)
class Row:
    student: str
    name: str
    link: str
    #: None: not graded, so no score
    score: float | None
    seconds: float
    outcome: str
    reason: str
    flags: str
    #: the student's own report (``link`` is the instructor's)
    report: str = ""
    #: why the student needs a human (needs-attention rows only)
    why: tuple[str, ...] = ()


@dataclass(frozen=True)
class SummaryLink:
    """Another class page to link from the summary (e.g. ``similarity.html``): a relative href only."""

    label: str
    href: str
    note: str = ""

    def __post_init__(self) -> None:
        if "://" in self.href or self.href.startswith(("//", "/", "javascript:", "data:")) or not self.href:
            raise ValueError(f"summary link {self.href!r}: give a path relative to the output folder")


@dataclass(frozen=True)
class ClassStats:
    students: int
    graded: int
    not_gradable: int
    grader_error: int
    manual_pending: int
    max_score: float
    mean: float
    median: float
    stdev: float
    low: float
    high: float
    items: tuple[ItemStats, ...]
    timed: int
    time_mean: float
    time_median: float
    time_p95: float
    time_total: float
    slowest: tuple[Row, ...]
    failing: tuple[Row, ...]
    low_scores: tuple[Row, ...]
    slow: tuple[Row, ...]
    score_rule: str
    attention: tuple[Row, ...] = ()
    everyone: tuple[Row, ...] = ()


def class_stats(views: list["StudentView"], rubric) -> ClassStats:  # type: ignore[no-untyped-def]
    graded_views = [v for v in views if v.result.outcome is Outcome.GRADED]
    scores = [v.result.score for v in graded_views]
    timed = [v for v in views if not v.record.timing.reused_from]
    times = [v.record.timing.grade_s for v in timed]
    items = []
    for item in rubric.items:
        found = [r for v in graded_views for r in v.result.items if r.id == item.id]
        count = {s: sum(1 for r in found if r.status is s) for s in ItemStatus}
        items.append(ItemStats(
            id=item.id, title=item.title, max_points=item.points,
            mean_points=statistics.fmean(r.points for r in found) if found else 0.0,
            passed=count[ItemStatus.PASSED], partial=count[ItemStatus.PARTIAL], failed=count[ItemStatus.FAILED],
            error=count[ItemStatus.ERROR], manual=count[ItemStatus.MANUAL], extra_credit=item.extra_credit))
    fence, rule = _low_fence(scores, rubric.total)
    low_scores = sorted((v for v in graded_views if fence is not None and v.result.score < fence),
                        key=lambda v: v.result.score)
    slow = _slow(timed, times)
    by_time = sorted(timed, key=lambda v: -v.record.timing.grade_s)[:_SLOWEST]
    failing = [v for v in views if v.result.outcome is not Outcome.GRADED]
    low_keys = {v.key for v in low_scores}
    attention = []
    for view in views:
        why = attention_reasons(view, low=view.key in low_keys)
        if why:
            attention.append(_row(view, why))
    return ClassStats(
        students=len(views),
        graded=len(graded_views),
        not_gradable=sum(1 for v in views if v.result.outcome is Outcome.NOT_GRADABLE),
        grader_error=sum(1 for v in views if v.result.outcome is Outcome.GRADER_ERROR),
        manual_pending=sum(1 for v in graded_views if any(i.status is ItemStatus.MANUAL for i in v.result.items)),
        max_score=rubric.total,
        mean=statistics.fmean(scores) if scores else 0.0,
        median=statistics.median(scores) if scores else 0.0,
        stdev=statistics.pstdev(scores) if len(scores) > 1 else 0.0,
        low=min(scores, default=0.0), high=max(scores, default=0.0),
        items=tuple(items),
        timed=len(times),
        time_mean=statistics.fmean(times) if times else 0.0,
        time_median=statistics.median(times) if times else 0.0,
        time_p95=_quantile(times, 0.95) if times else 0.0,
        time_total=sum(times),
        slowest=tuple(_row(v) for v in by_time),
        failing=tuple(_row(v) for v in failing),
        low_scores=tuple(_row(v) for v in low_scores),
        slow=tuple(_row(v) for v in slow),
        score_rule=rule,
        attention=tuple(attention),
        everyone=tuple(_row(v) for v in views),
    )


#: what the pipeline says when a required file is missing (``grader.pipeline.required_files``)
_MISSING = re.compile(r"^(?P<name>\S+) is missing from the submission\.")


def attention_reasons(view: "StudentView", *, low: bool = False) -> tuple[str, ...]:
    """Why a student needs a human, most urgent first; empty when nothing does."""
    result = view.result
    if result.outcome is Outcome.GRADER_ERROR:
        return ("grader error: see the instructor report, then run again with --retry-errors",)
    if result.outcome is Outcome.NOT_GRADABLE:
        first = result.reason.strip().splitlines()[0] if result.reason.strip() else "the submission is unusable"
        return (f"not gradable: {first[:200]}",)
    why = []
    missing = [m["name"] for w in result.warnings if (m := _MISSING.match(w))]
    if missing:
        why.append(f"missing {', '.join(missing)}")
    if result.score <= 0:
        why.append("scored zero")
    elif low:
        why.append("low score (outlier)")
    errors = [i.id for i in result.items if i.status is ItemStatus.ERROR]
    if errors and not missing:
        why.append(f"a check could not run: {', '.join(errors)}")
    pending = [i.id for i in result.items if i.status is ItemStatus.MANUAL]
    if pending:
        why.append(f"awaiting a TA: {', '.join(pending)}")
    # a check that finds a result implausible (perfect accuracy with no training time, say) says so in a
    # warning or an item message starting with "Implausible"; the TA decides
    implausible = [t for t in (*result.warnings, *(m for i in result.items for m in i.messages))
                   if t.lstrip().lower().startswith("implausible")]
    if implausible:
        why.append(implausible[0].strip()[:200])
    why.extend(f.replace("manual-", "TA score ", 1) for f in view.flags if f.startswith(("manual-over-max",
                                                                                         "manual-stale")))
    return tuple(why)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


#: a score more than this many scaled MADs below the median is a low outlier
_MADS = 3.0
#: the MAD of a normal distribution is 0.6745 sd; dividing by it makes the MAD comparable to an sd
_MAD_SCALE = 1.4826


def _low_fence(scores: list[float], total: float) -> tuple[float | None, str]:
    """The score below which a graded submission is a low outlier (median/MAD, never below zero)."""
    if len(scores) < 4:
        return None, "too few graded students to call any score an outlier"
    median = statistics.median(scores)
    mad = statistics.median(abs(s - median) for s in scores)
    if mad > 0:
        fence = median - _MADS * _MAD_SCALE * mad
        rule = f"median {median:g} - {_MADS:g} x {_MAD_SCALE} x MAD {mad:g}"
    else:
        fence = median - 0.25 * total
        rule = f"median {median:g} - a quarter of {total:g} points (most students share one score, the MAD is 0)"
    fence = max(fence, 0.0)
    return fence, f"below {fence:.2f} ({rule}; never below zero)"


def _slow(timed: list["StudentView"], times: list[float]) -> list["StudentView"]:
    if len(times) < 4:
        return []
    q1, q3, median = _quantile(times, 0.25), _quantile(times, 0.75), statistics.median(times)
    fence = max(q3 + 1.5 * (q3 - q1), 2 * median)
    return sorted((v for v in timed if v.record.timing.grade_s > fence), key=lambda v: -v.record.timing.grade_s)


def _row(view: "StudentView", why: tuple[str, ...] = ()) -> Row:
    from grader.batch.outputs import members

    reason = view.result.reason.strip().splitlines()[0] if view.result.reason.strip() else ""
    people = members(view)
    name = view.record.student.name
    if len(people) > 1:
        name = "group: " + ", ".join(f"{p.name} ({p.id})" if p.name else p.id for p in people)
    return Row(
        student=view.record.student.id, name=name,
        link=f"students/{quote(view.key)}/report-instructor.html",
        score=view.result.score if view.result.outcome is Outcome.GRADED else None,
        seconds=view.record.timing.grade_s, outcome=view.result.outcome.value,
        reason=reason[:200] + ("\u2026" if len(reason) > 200 else ""), flags=", ".join(view.flags),
        report=f"students/{quote(view.key)}/report.html", why=why)


# -- plots ---------------------------------------------------------------------------


#: figures are drawn narrow with large type, so they stay legible scaled down to a phone's width
_STYLE = {"font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "xtick.labelsize": 10,
          "ytick.labelsize": 10, "legend.fontsize": 9}


def _styled(plot):  # type: ignore[no-untyped-def]
    """Draw under ``_STYLE`` (matplotlib reads its rc parameters as each artist is made)."""

    @functools.wraps(plot)
    def draw(*args, **kwargs):  # type: ignore[no-untyped-def]
        import matplotlib

        with matplotlib.rc_context(_STYLE):
            return plot(*args, **kwargs)

    return draw


def _png(fig) -> str:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _figure(height: float = 3.0):  # type: ignore[no-untyped-def]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.2, height))
    return fig, fig.add_subplot()


@_styled
def plot_scores(scores: list[float], maximum: float) -> str:
    fig, ax = _figure()
    top = max([maximum, *scores]) if scores else maximum
    bins = max(1, min(40, int(round(top)) + 1))
    ax.hist(scores, bins=bins, range=(0, top + 1e-9), color="#2f5bd3", edgecolor="white")
    ax.set_xlabel(f"score (out of {maximum:g})")
    ax.set_ylabel("students")
    ax.set_title("Score distribution")
    return _png(fig)


@_styled
def plot_items(items: tuple[ItemStats, ...]) -> str:
    fig, ax = _figure(max(2.4, 0.42 * len(items) + 1.4))
    labels = [i.id for i in items][::-1]
    parts = [("passed", "#2e8b57"), ("partial", "#e0a800"), ("failed", "#c0392b"), ("error", "#6c757d"),
             ("manual", "#7b61ff")]
    left = [0.0] * len(items)
    for name, colour in parts:
        values = []
        for item in items[::-1]:
            total = item.passed + item.partial + item.failed + item.error + item.manual
            values.append(getattr(item, name) / total if total else 0.0)
        ax.barh(labels, values, left=left, color=colour, label=name)
        left = [a + b for a, b in zip(left, values)]
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of students")
    ax.set_title("Per item: passed, partial, failed, error, awaiting a TA")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.1), ncol=3, frameon=False)
    return _png(fig)


@_styled
def plot_times(times: list[float]) -> str:
    fig, ax = _figure()
    ax.hist(times, bins=min(30, max(1, len(times) // 3)), color="#7b61ff", edgecolor="white")
    ax.set_xlabel("seconds to grade one submission")
    ax.set_ylabel("submissions")
    ax.set_title("Time per submission")
    return _png(fig)


# -- page ------------------------------------------------------------------------------


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.batch", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pts"] = lambda v: "\u2013" if v is None else f"{round(v, 2):g}"
    env.filters["data_image"] = lambda v: v if isinstance(v, str) and v.startswith("data:image/") else ""
    env.filters["pct"] = lambda v: f"{100 * v:.0f}%"
    env.filters["secs"] = lambda v: f"{v:.1f} s"
    return env


def render_summary(views: list["StudentView"], *, rubric, skipped: tuple[tuple[str, str], ...] = (),  # type: ignore[no-untyped-def]
                   links: tuple[SummaryLink, ...] = ()) -> str:
    """The page; ``links`` are other class pages (relative hrefs) listed at its top."""
    stats = class_stats(views, rubric)
    scores = [v.result.score for v in views if v.result.outcome is Outcome.GRADED]
    times = [v.record.timing.grade_s for v in views if not v.record.timing.reused_from]
    # keys that are not dict methods: jinja's ``plots.items`` would be the method
    plots = {
        "score_histogram": plot_scores(scores, rubric.total) if scores else "",
        "item_rates": plot_items(stats.items) if views else "",
        "time_histogram": plot_times(times) if times else "",
    }
    by_score = _ranks(stats.everyone, lambda r: (r.score is not None, r.score or 0.0, r.student))
    by_time = _ranks(stats.everyone, lambda r: (-r.seconds, r.student))
    return _environment().get_template("summary.html.j2").render(
        stats=stats, plots=plots, rubric=rubric, generated=now().strftime("%Y-%m-%d %H:%M UTC"),
        skipped=skipped, links=links, by_score=by_score, by_time=by_time)


def _ranks(rows: tuple[Row, ...], key) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Each row's position in another order (the CSS ``order`` of the sortable list)."""
    return {r.link: n for n, r in enumerate(sorted(rows, key=key))}


def write_summary(views: list["StudentView"], out_dir: Path, *, rubric,  # type: ignore[no-untyped-def]
                  skipped: tuple[tuple[str, str], ...] = (), links: tuple[SummaryLink, ...] = ()) -> Path:
    target = Path(out_dir) / SUMMARY_NAME
    atomic_write_text(target, render_summary(views, rubric=rubric, skipped=skipped, links=links))
    return target
