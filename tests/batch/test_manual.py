"""Manual items: export with the student's text, import with every bad row refused, merge everywhere."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from typer.testing import CliRunner

from grader.batch import BatchOptions, ManualImportError, run_batch
from grader.batch.manual import export_manual, import_manual
from grader.cli.batch import cli
from grader.report.keywords import keyword_segments
from grader.cli.exit_codes import ExitCode
from tests.batch.helpers import (
    FAKE_FUNCTION,
    HOSTILE_NAME,
    TOY_ROOT,
    gradebook,
    toy_class,
)

runner = CliRunner()


@pytest.fixture
def graded(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_GRADE_STATE", str(tmp_path))
    monkeypatch.setenv("GRADER_HOME", str(TOY_ROOT))
    monkeypatch.setenv("COLUMNS", "160")
    subs, out = tmp_path / "subs", tmp_path / "out"
    toy_class(subs, 3)
    (subs / "t02" / "answers.md").write_text(f"My answer {HOSTILE_NAME} mentions the Border.\n")
    run_batch(subs, assignment="toy", out_dir=out, root=TOY_ROOT,
              options=BatchOptions(jobs=2, function=FAKE_FUNCTION))
    return out


def _write_scores(path, rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["student", "item", "points", "comment"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue())
    return path


def test_export_lists_each_student_with_their_text_and_the_note(graded):
    path, rows = export_manual(graded, root=TOY_ROOT)
    assert rows == 3 and path == graded / "manual-items.csv"
    data = list(csv.DictReader(io.StringIO(path.read_text())))
    assert [r["student"] for r in data] == ["t00", "t01", "t02"]
    assert data[0]["item"] == "1.4" and data[0]["max_points"] == "1"
    assert "padding keeps the border, says t00" in data[0]["answer"]
    assert data[0]["points"] == "" and data[0]["comment"] == ""


def test_the_html_form_escapes_the_students_text_and_marks_keywords(graded):
    path, _ = export_manual(graded, fmt="html", root=TOY_ROOT)
    page = path.read_text()
    assert HOSTILE_NAME not in page and "&lt;script&gt;" in page
    assert "Download CSV" in page and 'name="points"' in page
    assert keyword_segments("the Border and border", ["border"]) == [
        ("the ", False), ("Border", True), (" and ", False), ("border", True)]


def test_import_merges_scores_into_reports_and_every_gradebook(graded):
    before = gradebook(graded)
    scores = _write_scores(graded.parent / "scores.csv", [
        {"student": "t00", "item": "1.4", "points": "1", "comment": "clear"},
        {"student": "t01", "item": "1.4", "points": "0.5", "comment": ""},
        {"student": "t02", "item": "1.4", "points": "", "comment": "not yet"},
    ])
    assert import_manual(graded, scores, root=TOY_ROOT) == (2, 2)
    after = gradebook(graded)
    assert after["t00"]["1.4"] == "1" and float(after["t00"]["total"]) == float(before["t00"]["total"]) + 1
    assert after["t01"]["1.4"] == "0.5"
    assert "manual-pending" not in after["t00"]["flags"] and "manual-pending" in after["t02"]["flags"]
    report = (graded / "students" / "t00" / "report.html").read_text()
    assert "TA comment: clear" in report
    result = json.loads((graded / "students" / "t00" / "results.json").read_text())
    assert result["score"] == float(after["t00"]["total"])
    journal = json.loads((graded / "journal" / "t00.json").read_text())
    assert next(i for i in journal["result"]["items"] if i["id"] == "1.4")["status"] == "manual"  # never edited
    canvas = (graded / "canvas.csv").read_text().splitlines()
    assert canvas[2].endswith(after["t00"]["total"])


def test_import_refuses_the_whole_file_on_unknown_ids_and_points_over_the_maximum(graded):
    scores = _write_scores(graded.parent / "bad.csv", [
        {"student": "t00", "item": "1.4", "points": "1", "comment": "fine row"},
        {"student": "t0O", "item": "1.4", "points": "1", "comment": ""},
        {"student": "t01", "item": "1.4", "points": "3", "comment": ""},
        {"student": "t02", "item": "1.1", "points": "1", "comment": ""},
        {"student": "t02", "item": "1.4", "points": "lots", "comment": ""},
    ])
    with pytest.raises(ManualImportError) as caught:
        import_manual(graded, scores, root=TOY_ROOT)
    text = str(caught.value)
    assert "nothing was imported" in text
    assert re.search(r"row 3 \(student 't0O', item '1.4'\): unknown student id 't0O'; did you mean [^\n]*'t00'", text)
    assert "row 4" in text and "3 points is over the maximum of 1 for item 1.4" in text
    assert "row 5" in text and "'1.1' is not a manual item of toy (manual items: 1.4)" in text
    assert "row 6" in text and "'lots' is not a number" in text
    assert not (graded / "manual.json").exists()


def test_the_cli_exports_imports_and_refuses_with_a_usage_exit_code(graded, tmp_path):
    result = runner.invoke(cli, ["manual", "export", str(graded), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "wrote 3 rows" in result.output and "grader manual import" in result.output
    bad = _write_scores(tmp_path / "bad.csv", [{"student": "zz", "item": "1.4", "points": "1", "comment": ""}])
    result = runner.invoke(cli, ["manual", "import", str(graded), str(bad)])
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "unknown student id 'zz'" in result.output
    good = _write_scores(tmp_path / "good.csv", [{"student": "t01", "item": "1.4", "points": "1", "comment": ""}])
    result = runner.invoke(cli, ["manual", "import", str(graded), str(good)])
    assert result.exit_code == 0, result.output
    assert "imported 1 score(s) for 1 student(s)" in result.output
    result = runner.invoke(cli, ["manual", "export", str(tmp_path / "nowhere")])
    assert result.exit_code == ExitCode.USAGE_ERROR and "run 'grader batch" in result.output


def test_a_re_export_keeps_the_scores_already_imported_and_the_round_trip_is_stable(graded):
    first, _ = export_manual(graded, root=TOY_ROOT)
    rows = list(csv.DictReader(io.StringIO(first.read_text())))
    rows[0]["points"], rows[0]["comment"] = "1", "=clear and short"  # a comment that starts like a formula
    rows[2]["points"] = "0.5"
    filled = graded.parent / "filled.csv"
    from grader.batch.csvsafe import csv_text

    filled.write_text(csv_text([list(rows[0])] + [list(r.values()) for r in rows]))
    assert import_manual(graded, filled, root=TOY_ROOT) == (2, 2)
    again, _ = export_manual(graded, root=TOY_ROOT)
    back = list(csv.DictReader(io.StringIO(again.read_text())))
    assert [(r["student"], r["points"], r["comment"]) for r in back] == [
        ("t00", "1", "'=clear and short"), ("t01", "", ""), ("t02", "0.5", "")]
    assert back[0]["report"] == "students/t00/report.html#item-4"
    assert import_manual(graded, again, root=TOY_ROOT) == (2, 2)  # importing the re-export changes nothing
    assert json.loads((graded / "manual.json").read_text())["scores"]["t00"]["1.4"]["comment"] == "=clear and short"
    # the TA's points reach both platforms' files: Canvas's total, Gradescope's per-item column
    book = gradebook(graded)
    canvas = {r[2] or r[1]: r[5] for r in csv.reader(io.StringIO((graded / "canvas.csv").read_text()))}
    assert canvas["t00"] == book["t00"]["total"] and book["t00"]["1.4"] == "1"
    gradescope = list(csv.DictReader(io.StringIO((graded / "gradescope.csv").read_text())))
    column = next(c for c in gradescope[0] if c.startswith("1.4:"))
    assert {r["SID"]: r[column] for r in gradescope} == {"t00": "1", "t01": "", "t02": "0.5"}
    form = export_manual(graded, fmt="html", root=TOY_ROOT)[0].read_text()
    assert 'value="1"' in form and "=clear and short</textarea>" in form


def test_a_manual_item_shows_the_pictures_of_the_items_that_check_the_same_files():
    """nyu-dl-hw1's gd.visuals: the TA sees gd.optimise's optimised images, not only a blank box."""
    from datetime import datetime, timezone

    from grader.batch.discover import Student
    from grader.batch.fingerprint import Fingerprint
    from grader.batch.journal import Record
    from grader.batch.manual import manual_rows, render_manual_form
    from grader.results.models import Artifact, ItemResult, ItemStatus, SubmissionResult
    from grader.rubric.schema import Rubric

    rubric = Rubric.model_validate({"assignment": "hw", "title": "hw", "total": 3, "items": [
        {"id": "gd.optimise", "title": "optimise", "points": 2, "needs": ["gd.py"],
         "check": {"kind": "tests", "tests": ["t.py::*"]}},
        {"id": "mlp", "title": "mlp", "points": 1, "needs": ["mlp.py"], "check": {"kind": "tests", "tests": ["t.py::*"]}},
        {"id": "gd.visuals", "title": "visuals", "points": 1, "extra_credit": True, "needs": ["gd.py"],
         "check": {"kind": "manual"}}]})
    png = "iVBORw0KGgo="
    items = (
        ItemResult(id="gd.optimise", title="optimise", points=2, max_points=2, status=ItemStatus.PASSED,
                   artifacts=(Artifact(title="optimised images", media_type="image/png", data_b64=png),
                              Artifact(title="remote", path="https://evil.example/x.png"))),
        ItemResult(id="mlp", title="mlp", points=1, max_points=1, status=ItemStatus.PASSED,
                   artifacts=(Artifact(title="loss curve", media_type="image/png", data_b64=png),)),
        ItemResult(id="gd.visuals", title="visuals", points=0, max_points=1, status=ItemStatus.MANUAL,
                   extra_credit=True))
    when = datetime(2025, 1, 1, tzinfo=timezone.utc)
    result = SubmissionResult(assignment="hw", assignment_title="hw", submission="ann", sha256="x",
                              outcome="graded", items=items, total_points=3, started_at=when, duration_s=1,
                              grader_version="0")
    records = {"ann": Record(key="ann", student=Student(id="ann"), submission_path="/nowhere/ann",
                             submission_sha256="x", layout="plain", fingerprint=Fingerprint(global_sha256="g", items={}),
                             result=result, committed_at=when)}
    (row,) = manual_rows(records, rubric)
    assert row["look_at"] == "gd.optimise: optimised images"  # not mlp's curve, not a remote picture
    assert row["report"] == "students/ann/report.html#item-3"
    page = render_manual_form([row], rubric)
    assert f'<img src="data:image/png;base64,{png}" alt="gd.optimise: optimised images">' in page
    assert "evil.example" not in page and "loss curve" not in page
    assert 'href="students/ann/report.html#item-3"' in page
