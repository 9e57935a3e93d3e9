"""Gradebooks, Canvas and Gradescope CSVs and the class summary, from hand-made journal records."""

from __future__ import annotations

import csv
import re
import io
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from grader.batch.discover import Student
from grader.batch.fingerprint import Fingerprint
from grader.batch.journal import Record, Timing
from grader.batch.manual import ManualScores
from grader.batch.outputs import class_view, write_class_outputs
from grader.batch.summary import class_stats, render_summary
from grader.results.models import ItemResult, ItemStatus, Outcome, SubmissionResult
from grader.rubric.schema import Rubric
from tests.batch.helpers import HOSTILE_NAME

RUBRIC = Rubric.model_validate({
    "assignment": "hw", "title": "Homework <1>", "total": 5, "items": [
        {"id": "1", "title": "one", "points": 3, "check": {"kind": "tests", "tests": ["t.py::*"]}},
        {"id": "2", "title": "two", "points": 2, "check": {"kind": "tests", "tests": ["t.py::*"]}},
        {"id": "3", "title": "bonus", "points": 1, "extra_credit": True, "check": {"kind": "manual"}},
    ]})
FP = Fingerprint(global_sha256="g", items={"1": "a", "2": "b", "3": "c"})
WHEN = datetime(2025, 1, 1, tzinfo=timezone.utc)


def record(sid: str, points: tuple[float, float], *, outcome: Outcome = Outcome.GRADED, seconds: float = 10.0,
           sha: str | None = None, layout: str = "plain", name: str = "", reused: str = "",
           late: bool = False) -> Record:
    statuses = [ItemStatus.PASSED if p == m else ItemStatus.PARTIAL if p else ItemStatus.FAILED
                for p, m in zip(points, (3, 2))]
    items = (
        ItemResult(id="1", title="one", points=points[0], max_points=3, status=statuses[0]),
        ItemResult(id="2", title="two", points=points[1], max_points=2, status=statuses[1]),
        ItemResult(id="3", title="bonus", points=0, max_points=1, status=ItemStatus.MANUAL, extra_credit=True),
    )
    result = SubmissionResult(assignment="hw", assignment_title="Homework <1>", submission=f"{sid}.zip",
                              sha256=sha or sid, outcome=outcome, items=items, total_points=5,
                              reason="broken zip" if outcome is Outcome.NOT_GRADABLE else "",
                              started_at=WHEN, duration_s=seconds, grader_version="0", sandbox="bwrap")
    return Record(key=sid, student=Student(id=sid, name=name, late=late), submission_path=f"/s/{sid}.zip",
                  submission_sha256=sha or sid, layout=layout, fingerprint=FP, result=result,
                  timing=Timing(grade_s=0.0 if reused else seconds, reused_from=reused), committed_at=WHEN)


def klass() -> dict[str, Record]:
    rows = [
        record("ann", (3, 2), seconds=9, name="Ann Lee"),
        record("bob", (3, 1), seconds=11, late=True),
        record("cat", (3, 2), seconds=10, sha="same"),
        record("dan", (3, 2), sha="same", reused="cat"),
        record("eve", (0, 0), outcome=Outcome.NOT_GRADABLE, seconds=0.2),
        record("fay", (3, 2), seconds=95),
        record("gus", (2, 2), seconds=12, name=HOSTILE_NAME),
        record("hal", (3, 2), seconds=10.5),
    ]
    return {r.key: r for r in rows}


def test_gradebook_rows_flags_and_formats(tmp_path):
    views = class_view(klass(), ManualScores())
    paths = write_class_outputs(views, tmp_path, rubric=RUBRIC, title=RUBRIC.title)
    rows = list(csv.DictReader(io.StringIO(paths["gradebook"].read_text())))
    assert [r["student"] for r in rows] == ["ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal"]
    assert list(rows[0]) == ["student", "name", "email", "1", "2", "3", "total", "max", "status", "flags",
                             "reason"]
    bob = rows[1]
    assert (bob["1"], bob["2"], bob["total"], bob["max"], bob["status"]) == ("3", "1", "4", "5", "graded")
    assert bob["flags"] == "late;manual-pending"
    assert rows[2]["flags"] == "identical:dan;manual-pending" and rows[3]["flags"] == "identical:cat;manual-pending"
    assert rows[4]["status"] == "not_gradable" and "not-gradable" in rows[4]["flags"]
    # no score is invented: not graded leaves every score cell empty and says why
    assert (rows[4]["1"], rows[4]["2"], rows[4]["3"], rows[4]["total"]) == ("", "", "", "")
    assert rows[4]["reason"] == "not gradable: broken zip" and rows[4]["max"] == "5"
    # a manual item awaiting a TA has no points yet either
    assert bob["3"] == "" and bob["reason"] == "awaiting a TA: 3"


def test_canvas_and_gradescope_csvs(tmp_path):
    records = klass()
    records["ann"] = record("ann", (3, 2), layout="canvas", name="leeann")
    views = class_view(records, ManualScores())
    paths = write_class_outputs(views, tmp_path, rubric=RUBRIC, title=RUBRIC.title, canvas_column="HW1 (4242)")
    canvas = list(csv.reader(io.StringIO(paths["canvas"].read_text())))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "HW1 (4242)"]
    assert canvas[1] == ["Points Possible", "", "", "", "", "5"]
    assert canvas[2] == ["leeann", "ann", "", "", "", "5"]  # a Canvas download: the Canvas user id
    assert canvas[3] == ["bob", "", "bob", "", "", "4"]  # otherwise the id goes to SIS User ID
    gradescope = list(csv.reader(io.StringIO(paths["gradescope"].read_text())))
    assert gradescope[0][:7] == ["Name", "SID", "Email", "Total Score", "Max Points", "Status", "Submission ID"]
    assert gradescope[0][7:] == ["1: one (3 pts)", "2: two (2 pts)", "3: bonus (1 pts)"]
    assert gradescope[5][3:6] == ["", "5", "not_gradable"]
    assert gradescope[5][7:] == ["", "", ""]
    assert canvas[6] == ["eve", "", "eve", "", "", ""]  # blank: Canvas's import posts nothing


def test_class_statistics_and_outliers():
    stats = class_stats(class_view(klass(), ManualScores()), RUBRIC)
    assert (stats.students, stats.graded, stats.not_gradable, stats.manual_pending) == (8, 7, 1, 7)
    # over graded submissions only: eve, not gradable, has no score rather than a zero
    assert stats.mean == pytest.approx((5 + 4 + 5 + 5 + 5 + 4 + 5) / 7)
    assert stats.timed == 7  # dan was copied, not timed
    assert [r.student for r in stats.slowest][:2] == ["fay", "gus"]
    assert [r.student for r in stats.failing] == ["eve"]
    assert [r.student for r in stats.slow] == ["fay"]
    assert [r.student for r in stats.low_scores] == []  # 4 of 5 is no outlier
    item1 = stats.items[0]
    assert (item1.passed, item1.partial, item1.failed) == (6, 1, 0)
    attention = {r.student: r.why for r in stats.attention}
    assert attention["eve"] == ("not gradable: broken zip",)
    assert attention["bob"] == ("awaiting a TA: 3",)
    assert [r.student for r in stats.everyone] == ["ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal"]


def test_summary_page_is_self_contained_and_escapes_student_text():
    page = render_summary(class_view(klass(), ManualScores()), rubric=RUBRIC)
    assert HOSTILE_NAME not in page and "&lt;script&gt;" in page
    assert "Homework &lt;1&gt;" in page
    assert page.count("data:image/png;base64,") == 3
    assert "http://" not in page and "https://" not in page and "<link" not in page
    assert 'name="viewport"' in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs headless chromium (scripts/setup.sh --for-tests installs it)")
def test_summary_page_in_headless_chromium_on_a_phone(tmp_path):
    views = class_view(klass(), ManualScores())
    page = write_class_outputs(views, tmp_path, rubric=RUBRIC, title=RUBRIC.title)["summary"]
    dom, shot = dump_and_screenshot(page, tmp_path / "summary.png", width=390)
    assert 'id="n-students">8<' in dom and 'id="n-not-gradable">1<' in dom
    assert "4.71 / 5" in dom  # the mean of the 7 graded (33 / 7 = 4.714, shown to 2 decimals)
    assert "<script" not in dom.split("</main>")[0]
    assert shot.stat().st_size > 10_000


def dump_and_screenshot(page: Path, shot: Path, *, width: int = 390, height: int = 2400) -> tuple[str, Path]:
    """The page's DOM after load, and a phone-sized screenshot, from headless chromium."""
    flags = [CHROMIUM or "chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", "--disable-extensions", f"--window-size={width},{height}"]
    url = page.resolve().as_uri()
    dom = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True).stdout
    subprocess.run([*flags, f"--screenshot={shot}", url], capture_output=True, timeout=120, check=True)
    return dom, shot


def _graded(sid: str, score: float, *, warnings: tuple[str, ...] = (), error: bool = False) -> Record:
    """A graded record with ``score`` on item 1 (item 2 zero, or errored)."""
    base = record(sid, (min(score, 3), max(0.0, score - 3)))
    items = list(base.result.items)
    if error:
        items[1] = items[1].model_copy(update={"status": ItemStatus.ERROR, "points": 0.0})
    items[2] = items[2].model_copy(update={"status": ItemStatus.FAILED})  # the TA scored the bonus already
    result = base.result.model_copy(update={"items": tuple(items), "warnings": warnings})
    return base.model_copy(update={"result": result})


def test_needs_attention_names_every_student_a_human_must_look_at():
    records = {r.key: r for r in [
        _graded("a1", 5, warnings=("Implausible result: 100% test accuracy after 0.1 s of training.",)),
        _graded("a2", 5), _graded("a3", 4.5), _graded("a4", 5), _graded("a5", 4.5),
        _graded("a6", 5), _graded("low", 1.5),
        _graded("zero", 0),
        _graded("miss", 3, warnings=("calc.py is missing from the submission. Did you name it 'Calc.py'?",),
                error=True),
        _graded("err", 3, error=True),
        record("pend", (3, 2)),  # manual item awaiting a TA
        record("ng", (0, 0), outcome=Outcome.NOT_GRADABLE),
        record("ge", (0, 0), outcome=Outcome.GRADER_ERROR),
    ]}
    stats = class_stats(class_view(records, ManualScores()), RUBRIC)
    why = {r.student: r.why for r in stats.attention}
    assert set(why) == {"low", "zero", "miss", "err", "pend", "ng", "ge", "a1"}
    assert why["a1"] == ("Implausible result: 100% test accuracy after 0.1 s of training.",)
    assert why["low"] == ("low score (outlier)",)
    assert why["zero"] == ("scored zero",)
    assert why["miss"] == ("missing calc.py",)
    assert why["err"] == ("a check could not run: 2",)
    assert why["pend"] == ("awaiting a TA: 3",)
    assert why["ng"][0].startswith("not gradable") and why["ge"][0].startswith("grader error")
    assert {r.student for r in stats.attention if r.score is None} == {"ng", "ge"}
    assert "never below zero" in stats.score_rule


def test_the_low_score_cut_off_is_robust_and_never_below_zero():
    from grader.batch.summary import _low_fence

    # a bimodal class: sd-based rules put the fence below zero; the MAD's does not
    fence, rule = _low_fence([0, 0, 0, 10, 10, 10, 10, 50, 50, 50], 50)
    assert fence == 0.0 and "never below zero" in rule
    fence, _ = _low_fence([40, 41, 42, 43, 44, 45, 10], 50)
    assert 10 < fence < 40
    fence, rule = _low_fence([50] * 9 + [30], 50)  # the MAD is 0: a quarter of the points below the median
    assert fence == 37.5 and "MAD is 0" in rule
    assert _low_fence([1, 2, 3], 50)[0] is None


def test_the_summary_lists_everyone_with_both_reports_sortable_and_takes_links():
    from grader.batch.summary import SummaryLink

    views = class_view(klass(), ManualScores())
    page = render_summary(views, rubric=RUBRIC, links=(SummaryLink("Class similarity", "similarity.html",
                                                                   "pairs of submissions that look alike"),),
                          skipped=(("old.zip", "an older submission of student ann"),))
    everyone = page.split('id="everyone"')[1].split("</div>\n\n")[0]
    for view in views:
        assert f'href="students/{view.key}/report.html"' in everyone
        assert f'href="students/{view.key}/report-instructor.html"' in everyone
    orders = {name: order for order, name in re.findall(r"--by-score: (\d+); --by-time: \d+\"><div>(\w+)",
                                                        everyone)}
    assert len(orders) == len(views)
    assert orders["eve"] == "0"  # not graded sorts first by score, then the lowest scores
    assert '<a href="similarity.html">Class similarity</a>' in page
    assert "old.zip" in page.split('id="skipped"')[1]
    with pytest.raises(ValueError, match="relative"):
        SummaryLink("x", "https://example.org/")


def test_the_summary_has_a_strict_csp_and_only_data_images():
    from grader.batch.summary import _environment

    page = render_summary(class_view(klass(), ManualScores()), rubric=RUBRIC)
    assert ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
            'style-src \'unsafe-inline\'">') in page
    assert all(src.startswith("data:image/") for src in re.findall(r'<img src="([^"]*)"', page))
    data_image = _environment().filters["data_image"]
    assert data_image("data:image/png;base64,AAAA") == "data:image/png;base64,AAAA"
    assert data_image("https://evil.example/x.png") == "" and data_image("x.png") == ""
