"""What the TA posts: gradebooks that never invent a score, groups, private copies, messy folders.

Each test builds a real folder layout (a Canvas download, a Gradescope export with groups and
``submission_metadata.yml``, a plain folder, a mixed one) and grades it with ``fake_grade``
(the real pipeline without the sandboxed hidden tests). Every CSV is checked against the
import format of the platform it is for (:func:`check_canvas_import`,
:func:`check_gradescope_scores`); nothing is uploaded.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile
from pathlib import Path

import pytest

from grader.batch import BatchOptions, run_batch
from tests.batch.helpers import FAKE_FUNCTION, GOOD, TOY_ROOT, WRONG_ADD

CANVAS_HEAD = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
GRADESCOPE_HEAD = ["Name", "SID", "Email", "Total Score", "Max Points", "Status", "Submission ID"]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
#: OWASP: a spreadsheet runs a cell that starts with one of these
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def fake_state(tmp_path, monkeypatch):
    state = tmp_path / "fake-state"
    state.mkdir()
    monkeypatch.setenv("FAKE_GRADE_STATE", str(state))


def batch(subs: Path, out: Path, *, events: list | None = None, **options):
    options.setdefault("jobs", 2)
    return run_batch(subs, assignment="toy", out_dir=out, root=TOY_ROOT,
                     options=BatchOptions(function=FAKE_FUNCTION, **options),
                     on_event=events.append if events is not None else None)


def rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def check_canvas_import(path: Path, *, column: str = "") -> dict[str, str]:
    """Canvas's gradebook import: fixed leading columns, a Points Possible row, blank or numeric scores."""
    table = rows(path)
    assert table[0][:5] == CANVAS_HEAD and len(table[0]) == 6, table[0]
    if column:
        assert table[0][5] == column and re.fullmatch(r".+ \(\d+\)", column)  # "Name (id)" targets an assignment
    assert table[1][0] == "Points Possible" and NUMBER.match(table[1][5])
    scores = {}
    for row in table[2:]:
        assert len(row) == 6, row
        who = row[1] or row[2]
        assert who, f"a row Canvas cannot match to a student: {row}"
        assert row[5] == "" or (NUMBER.match(row[5]) and float(row[5]) >= 0), row
        assert not any(cell.startswith(FORMULA_START) for cell in row), row
        scores[who] = row[5]
    return scores


def check_gradescope_scores(path: Path) -> dict[str, str]:
    table = rows(path)
    assert table[0][:7] == GRADESCOPE_HEAD
    out = {}
    for row in table[1:]:
        assert len(row) == len(table[0]) and row[1], row
        assert row[3] == "" or NUMBER.match(row[3]), row
        assert (row[3] == "") == (row[5] != "Graded"), row  # a score exactly when graded
        out[row[1]] = row[3]
    return out


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    return {r["student"]: r for r in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))}


def test_grader_errors_and_ungradable_submissions_post_no_score(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    for sid, source in (("ann", GOOD), ("bob", GOOD + "# BOOM\n"), ("cat", WRONG_ADD)):
        (subs / sid).mkdir()
        (subs / sid / "calc.py").write_text(source)
    (subs / "dan.zip").write_bytes(b"this is not a zip")
    batch(subs, out)
    book = gradebook(out)
    assert book["bob"]["status"] == "grader_error" and book["bob"]["total"] == "" and book["bob"]["1.1"] == ""
    assert "grader error" in book["bob"]["reason"]
    assert book["dan"]["status"] == "not_gradable" and book["dan"]["total"] == ""
    assert book["dan"]["reason"].startswith("not gradable:")
    assert book["ann"]["total"] != "" and book["cat"]["total"] != ""
    canvas = check_canvas_import(out / "canvas.csv")
    assert canvas["bob"] == canvas["dan"] == "" and canvas["ann"] != ""
    scores = check_gradescope_scores(out / "gradescope.csv")
    assert scores["bob"] == scores["dan"] == ""
    summary = (out / "summary.html").read_text()
    attention = summary.split('id="attention"')[1].split("</table>")[0]
    assert "bob" in attention and "dan" in attention and "grader error" in attention


def test_every_member_of_a_gradescope_group_gets_the_group_score_everywhere(tmp_path):
    subs, out = tmp_path / "gs", tmp_path / "out"
    subs.mkdir()
    (subs / "submission_901").mkdir()
    (subs / "submission_901" / "calc.py").write_text(GOOD)
    (subs / "submission_902").mkdir()
    (subs / "submission_902" / "calc.py").write_text(WRONG_ADD)
    (subs / "submission_metadata.yml").write_text(
        "submission_901:\n"
        "  :submitters:\n"
        "  - :name: Ann Lee\n    :sid: 'N1'\n    :email: ann@uni.edu\n"
        "  - :name: Bob Roe\n    :sid: 'N2'\n    :email: bob@uni.edu\n"
        "  - :name: Cy Poe\n    :sid: 'N3'\n    :email: cy@uni.edu\n"
        "  :created_at: 2024-09-20 10:00:00.000000000 -04:00\n"
        "  :score: \n"
        "submission_902:\n"
        "  :submitters:\n"
        "  - :name: Dee Moe\n    :sid: 'N4'\n    :email: dee@uni.edu\n"
        "  :created_at: 2024-09-20 11:00:00.000000000 -04:00\n")
    report = batch(subs, out)
    assert report.graded == 2 and report.layout == "gradescope"
    book = gradebook(out)
    assert sorted(book) == ["N1", "N2", "N3", "N4"]
    assert book["N1"]["total"] == book["N2"]["total"] == book["N3"]["total"] != ""
    assert (book["N2"]["name"], book["N2"]["email"]) == ("Bob Roe", "bob@uni.edu")
    scores = check_gradescope_scores(out / "gradescope.csv")
    assert scores["N1"] == scores["N2"] == scores["N3"] == book["N1"]["total"]
    canvas = check_canvas_import(out / "canvas.csv")
    assert canvas["N2"] == canvas["N3"] == book["N1"]["total"]
    gs_rows = {r[1]: r for r in rows(out / "gradescope.csv")[1:]}
    assert gs_rows["N3"][6] == "submission_901"
    summary = (out / "summary.html").read_text()
    assert "group: Ann Lee (N1), Bob Roe (N2), Cy Poe (N3)" in summary
    report_html = (out / "students" / "N1" / "report.html").read_text()
    assert "Bob Roe" in report_html and "Cy Poe" in report_html  # the report lists the group


def _zip(path: Path, files: dict[str, str], *, date: tuple[int, ...]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=date), text)


def test_copies_of_identical_work_stay_private(tmp_path):
    """No student's outputs mention another student's id or file names, copies included."""
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    work = {"calc.py": GOOD}
    _zip(subs / "heidi.zip", work, date=(2024, 1, 1, 0, 0, 0))
    _zip(subs / "ivanov.zip", {"hw1/calc.py": GOOD}, date=(2025, 2, 2, 2, 2, 2))  # the same files zipped again
    (subs / "judith").mkdir()
    (subs / "judith" / "calc.py").write_text(GOOD)
    for uid, sub in (("777001", "900001"), ("777002", "900002")):  # Canvas-named files dropped in too
        (subs / f"kowalskikarl{uid[-1]}_{uid}_{sub}_calc.py").write_text(GOOD)
    (subs / "lorenzo.py").write_text(GOOD)  # a lone misnamed file: its name is part of what it is
    (subs / "mallory.py").write_text(GOOD)
    report = batch(subs, out)
    assert report.students == 7 and report.copied >= 4, report
    ids = {"heidi", "ivanov", "judith", "777001", "777002", "kowalskikarl1", "kowalskikarl2", "lorenzo",
           "mallory"}
    own = {"heidi": {"heidi"}, "ivanov": {"ivanov"}, "judith": {"judith"}, "777001": {"777001", "kowalskikarl1"},
           "777002": {"777002", "kowalskikarl2"}, "lorenzo": {"lorenzo"}, "mallory": {"mallory"}}
    journal = {p.stem: json.loads(p.read_text()) for p in (out / "journal").glob("*.json")}
    assert sum(1 for r in journal.values() if r["timing"]["reused_from"]) >= 4
    for student, mine in own.items():
        folder = out / "students" / student
        text = "\n".join(p.read_text(errors="replace") for p in folder.iterdir() if p.is_file())
        assert text, student
        for other in ids - mine:
            assert not re.search(rf"(?<![\w]){re.escape(other)}(?![\w])", text), (student, other)
        assert journal[student]["result"]["submission"] in {f"{student}.zip", student, f"{student}.py"}
    # the copy's own zip hash, not the original's
    assert journal["ivanov"]["result"]["sha256"] != journal["heidi"]["result"]["sha256"]


def test_resume_counts_add_up_to_the_class(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    for n in range(5):
        (subs / f"s{n}").mkdir()
        (subs / f"s{n}" / "calc.py").write_text(GOOD + f"# {n % 3}\n")  # s0 == s3, s1 == s4
    events: list = []
    batch(subs, out, events=events)
    (subs / "s5").mkdir()
    (subs / "s5" / "calc.py").write_text(GOOD + "# 0\n")  # a late student, identical to s0: copied
    (subs / "s6").mkdir()
    (subs / "s6" / "calc.py").write_text(GOOD + "# new\n")
    events2: list = []
    batch(subs, out, events=events2)
    for evs, total in ((events, 5), (events2, 7)):
        planned = next(e for e in evs if e.kind == "planned")
        counts = [int(n) for n in re.findall(r"(\d+) (?:to grade|identical copies|already done)", planned.message)]
        assert planned.total == total and sum(counts) == total, planned.message
    planned = next(e for e in events2 if e.kind == "planned")
    assert planned.message.startswith("1 to grade, 1 identical copies (1 from the journal), 5 already done")


def test_a_messy_class_folder_is_graded_once_per_student_and_lists_the_rest(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    # Canvas files for one student, with an older attempt, among plain submissions
    (subs / "smithjohn_123456_7890123_calc.py").write_text(WRONG_ADD)
    (subs / "smithjohn_123456_7890123_calc-1.py").write_text(GOOD)
    (subs / "ann").mkdir()
    (subs / "ann" / "calc.py").write_text(WRONG_ADD)
    (subs / "ann.py").write_text(GOOD)
    os.utime(subs / "ann" / "calc.py", (1_000_000, 1_000_000))
    os.utime(subs / "ann", (1_000_000, 1_000_000))
    (subs / "syllabus.pdf").write_bytes(b"%PDF")
    report = batch(subs, out)
    assert report.students == 2 and report.layout == "mixed"
    book = gradebook(out)
    assert sorted(book) == ["123456", "ann"]
    journal = {p.stem: json.loads(p.read_text()) for p in (out / "journal").glob("*.json")}
    assert Path(journal["ann"]["submission_path"]).name == "ann.py"  # the newer of ann's two
    graded = Path(journal["123456"]["submission_path"])
    assert (graded / "calc.py").read_text() == GOOD  # the latest Canvas attempt, calc-1.py, as calc.py
    skipped = dict(report.not_submissions)
    assert "older attempt of calc.py" in skipped["smithjohn_123456_7890123_calc.py"]
    assert "older submission of student ann" in skipped["ann"]
    assert "not a submission" in skipped["syllabus.pdf"]
    summary = (out / "summary.html").read_text()
    listed = summary.split('id="skipped"')[1]
    assert "smithjohn_123456_7890123_calc.py" in listed and "syllabus.pdf" in listed and "ann" in listed


def test_a_canvas_download_posts_by_canvas_user_id_and_blank_for_the_ungradable(tmp_path):
    subs, out = tmp_path / "canvas", tmp_path / "out"
    subs.mkdir()
    (subs / "leeann_101_5001_calc.py").write_text(GOOD)
    (subs / "roebob_LATE_102_5002_calc.py").write_text(WRONG_ADD)
    (subs / "poecy_103_5003_hw.zip").write_bytes(b"not a zip at all")
    (subs / "=cmd_104_5004_calc.py").write_text(GOOD + "# 104\n")  # a sortable name that starts a formula
    report = batch(subs, out, canvas_column="HW1 (4242)")
    assert report.layout == "canvas" and report.students == 4
    scores = check_canvas_import(out / "canvas.csv", column="HW1 (4242)")
    assert sorted(scores) == ["101", "102", "103", "104"]
    assert scores["103"] == "" and scores["101"] != ""
    table = rows(out / "canvas.csv")
    assert ["'=cmd", "104", "", "", ""] == table[-1][:5]
    book = gradebook(out)
    assert "late" in book["102"]["flags"] and book["103"]["reason"].startswith("not gradable")
