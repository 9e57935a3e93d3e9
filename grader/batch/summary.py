"""The class summary page: one self-contained HTML file for the course staff.

Rendered from the journal (through :func:`grader.batch.outputs.class_view`), never from
the reports. Plots are drawn with matplotlib's object API (no pyplot state) and embedded as
PNG data URIs, the CSS is inline, and there is no script: the file opens from a zip on a
phone. Student-made text (names, reasons) is autoescaped by jinja2.

What it shows: counts by outcome; score statistics and a histogram; per item the mean points
and the share passed, partial, failed, errored or awaiting a TA; time per graded submission
(copies of an identical submission are not timed again, so they are left out); the slowest
and the failing submissions; and outliers:

- a **low score** is one below Q1 - 1.5 IQR of the class (Tukey's fence), or, when half the
  class or more share one score (IQR 0), more than two standard deviations below the mean;
- a **slow submission** took more than Q3 + 1.5 IQR and more than twice the median.
"""

from __future__ import annotations

import base64
import functools
import io
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

__all__ = ["ClassStats", "class_stats", "render_summary", "write_summary", "SUMMARY_NAME"]

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
    score: float
    seconds: float
    outcome: str
    reason: str
    flags: str


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


def class_stats(views: list["StudentView"], rubric) -> ClassStats:  # type: ignore[no-untyped-def]
    scores = [v.result.score for v in views]
    timed = [v for v in views if not v.record.timing.reused_from]
    times = [v.record.timing.grade_s for v in timed]
    items = []
    for item in rubric.items:
        found = [r for v in views for r in v.result.items if r.id == item.id]
        count = {s: sum(1 for r in found if r.status is s) for s in ItemStatus}
        items.append(ItemStats(
            id=item.id, title=item.title, max_points=item.points,
            mean_points=statistics.fmean(r.points for r in found) if found else 0.0,
            passed=count[ItemStatus.PASSED], partial=count[ItemStatus.PARTIAL], failed=count[ItemStatus.FAILED],
            error=count[ItemStatus.ERROR], manual=count[ItemStatus.MANUAL], extra_credit=item.extra_credit))
    low_scores, rule = _low_scores(views, scores)
    slow = _slow(timed, times)
    by_time = sorted(timed, key=lambda v: -v.record.timing.grade_s)[:_SLOWEST]
    failing = [v for v in views if v.result.outcome is not Outcome.GRADED]
    return ClassStats(
        students=len(views),
        graded=sum(1 for v in views if v.result.outcome is Outcome.GRADED),
        not_gradable=sum(1 for v in views if v.result.outcome is Outcome.NOT_GRADABLE),
        grader_error=sum(1 for v in views if v.result.outcome is Outcome.GRADER_ERROR),
        manual_pending=sum(1 for v in views if v.result.outcome is Outcome.GRADED
                           and any(i.status is ItemStatus.MANUAL for i in v.result.items)),
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
    )


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _low_scores(views: list["StudentView"], scores: list[float]) -> tuple[list["StudentView"], str]:
    if len(scores) < 4:
        return [], "too few students to call any score an outlier"
    q1, q3 = _quantile(scores, 0.25), _quantile(scores, 0.75)
    iqr = q3 - q1
    if iqr > 0:
        fence = q1 - 1.5 * iqr
        rule = f"below {fence:.2f} (Q1 {q1:g} - 1.5 x IQR {iqr:g})"
    else:
        mean, sd = statistics.fmean(scores), statistics.pstdev(scores)
        if sd == 0:
            return [], "every student has the same score"
        fence = mean - 2 * sd
        rule = f"below {fence:.2f} (mean {mean:.2f} - 2 x sd {sd:.2f}; the IQR is 0)"
    return sorted((v for v in views if v.result.score < fence), key=lambda v: v.result.score), rule


def _slow(timed: list["StudentView"], times: list[float]) -> list["StudentView"]:
    if len(times) < 4:
        return []
    q1, q3, median = _quantile(times, 0.25), _quantile(times, 0.75), statistics.median(times)
    fence = max(q3 + 1.5 * (q3 - q1), 2 * median)
    return sorted((v for v in timed if v.record.timing.grade_s > fence), key=lambda v: -v.record.timing.grade_s)


def _row(view: "StudentView") -> Row:
    reason = view.result.reason.strip().splitlines()[0] if view.result.reason.strip() else ""
    return Row(
        student=view.record.student.id, name=view.record.student.name,
        link=f"students/{quote(view.key)}/report-instructor.html", score=view.result.score,
        seconds=view.record.timing.grade_s, outcome=view.result.outcome.value,
        reason=reason[:200] + ("\u2026" if len(reason) > 200 else ""), flags=", ".join(view.flags))


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
    env.filters["pts"] = lambda v: f"{round(v, 2):g}"
    env.filters["pct"] = lambda v: f"{100 * v:.0f}%"
    env.filters["secs"] = lambda v: f"{v:.1f} s"
    return env


def render_summary(views: list["StudentView"], *, rubric) -> str:  # type: ignore[no-untyped-def]
    stats = class_stats(views, rubric)
    scores = [v.result.score for v in views]
    times = [v.record.timing.grade_s for v in views if not v.record.timing.reused_from]
    # keys that are not dict methods: jinja's ``plots.items`` would be the method
    plots = {
        "score_histogram": plot_scores(scores, rubric.total) if scores else "",
        "item_rates": plot_items(stats.items) if views else "",
        "time_histogram": plot_times(times) if times else "",
    }
    return _environment().get_template("summary.html.j2").render(
        stats=stats, plots=plots, rubric=rubric, generated=now().strftime("%Y-%m-%d %H:%M UTC"))


def write_summary(views: list["StudentView"], out_dir: Path, *, rubric) -> Path:  # type: ignore[no-untyped-def]
    target = Path(out_dir) / SUMMARY_NAME
    atomic_write_text(target, render_summary(views, rubric=rubric))
    return target
