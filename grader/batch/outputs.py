"""Everything a batch writes for people, rendered from the journal (and the TA's manual scores).

Per student, in ``OUT/students/<key>/``: ``report.html`` (for the student),
``report-instructor.html`` (with grader tracebacks), ``results.json`` (Gradescope's schema)
and ``result.json`` (everything). For the class, in ``OUT/``:

- ``gradebook.csv``: student, name, e-mail, points per item (rubric order), total, max,
  status, flags. Deterministic: sorted by student id, no times, no paths, so two runs over
  the same submissions give the same bytes however they were interrupted.
- ``canvas.csv``: Canvas's gradebook import format (``Student, ID, SIS User ID,
  SIS Login ID, Section, <assignment>``, then a ``Points Possible`` row). ``ID`` is the
  Canvas user id when the submissions came from a Canvas download; otherwise the student
  id goes in ``SIS User ID``.
- ``gradescope.csv``: the columns of Gradescope's own score export (``Name, SID, Email,
  Total Score, Max Points, Status, Submission ID``) and one column per item.
- ``summary.html``: the class summary page (:mod:`grader.batch.summary`).

Flags (``;``-separated, sorted): ``regrade`` (the grader failed: look at the instructor
report), ``not-gradable``, ``item-errors`` (a check could not run: a worker died, a file was
missing), ``manual-pending``, ``late``, ``identical:<ids>`` (byte-identical submissions),
``weak-sandbox`` (graded with the rlimit backend), ``manual-over-max:<item>`` and
``manual-stale:<item>`` (a TA score that no longer fits).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from grader.batch.csvsafe import Cell, csv_text
from grader.batch.discover import Student
from grader.batch.journal import Record, atomic_write_text
from grader.batch.manual import ManualScores, apply_manual
from grader.results.models import ItemStatus, Outcome, SubmissionResult

__all__ = ["StudentView", "class_view", "members", "reason", "write_student_outputs", "write_class_outputs", "gradebook_csv",
           "canvas_csv", "gradescope_csv", "student_dir"]

_RENDERED_MARK = ".rendered"


@dataclass(frozen=True)
class StudentView:
    record: Record
    #: the journal's result with the TA's manual scores applied
    result: SubmissionResult
    flags: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.record.key


def class_view(records: dict[str, Record], manual: ManualScores) -> list[StudentView]:
    """One view per student, sorted by student id, with flags computed across the class."""
    by_sha: dict[str, list[str]] = {}
    for record in records.values():
        by_sha.setdefault(record.submission_sha256, []).append(record.student.id)
    views = []
    for record in sorted(records.values(), key=lambda r: (r.student.id, r.key)):
        result, problems = apply_manual(record.result, manual.for_student(record.key), record.submission_sha256)
        if record.student.group:  # the report's header names everyone the score counts for
            people = ", ".join(f"{p.name} ({p.id})" if p.name else p.id
                               for p in (record.student, *record.student.group))
            result = result.model_copy(update={"submission": f"{result.submission} \u00b7 group: {people}"})
        flags = set(problems)
        if result.outcome is Outcome.GRADER_ERROR:
            flags.add("regrade")
        elif result.outcome is Outcome.NOT_GRADABLE:
            flags.add("not-gradable")
        elif any(i.status is ItemStatus.ERROR for i in result.items):
            flags.add("item-errors")
        if result.outcome is Outcome.GRADED and any(i.status is ItemStatus.MANUAL for i in result.items):
            flags.add("manual-pending")
        if record.student.late:
            flags.add("late")
        if result.sandbox == "rlimit":
            flags.add("weak-sandbox")
        twins = sorted(s for s in by_sha[record.submission_sha256] if s != record.student.id)
        if twins:
            flags.add("identical:" + "|".join(twins[:10]) + ("|..." if len(twins) > 10 else ""))
        views.append(StudentView(record, result, tuple(sorted(flags))))
    return views


def members(view: StudentView) -> tuple[Student, ...]:
    """Everyone the submission counts for: the submitter, then a Gradescope group's other members."""
    student = view.record.student
    return (student, *(Student(id=m.id, name=m.name, email=m.email, submission_id=student.submission_id,
                               late=student.late) for m in student.group))


def student_dir(out_dir: Path, key: str) -> Path:
    return Path(out_dir) / "students" / key


def write_student_outputs(view: StudentView, out_dir: Path, *, force: bool = False) -> bool:
    """Render one student's reports unless they are already rendered from this exact result."""
    from grader.api import write_outputs
    from grader.report.html import write_html_report

    folder = student_dir(out_dir, view.key)
    stamp = hashlib.sha256(view.result.model_dump_json().encode()).hexdigest()
    mark = folder / _RENDERED_MARK
    if not force and mark.is_file() and mark.read_text().strip() == stamp:
        return False
    write_outputs(view.result, folder)
    write_html_report(view.result, folder, instructor=True)
    atomic_write_text(mark, stamp + "\n")
    return True


def write_class_outputs(views: list[StudentView], out_dir: Path, *, rubric, title: str,  # type: ignore[no-untyped-def]
                        canvas_column: str = "", skipped: tuple[tuple[str, str], ...] = (),
                        links: tuple = ()) -> dict[str, Path]:
    from grader.batch.summary import write_summary

    out_dir = Path(out_dir)
    paths = {
        "gradebook": out_dir / "gradebook.csv",
        "canvas": out_dir / "canvas.csv",
        "gradescope": out_dir / "gradescope.csv",
    }
    item_ids = [i.id for i in rubric.items]
    atomic_write_text(paths["gradebook"], gradebook_csv(views, item_ids))
    atomic_write_text(paths["canvas"], canvas_csv(views, column=canvas_column or title, total=rubric.total))
    atomic_write_text(paths["gradescope"], gradescope_csv(views, rubric))
    paths["summary"] = write_summary(views, out_dir, rubric=rubric, skipped=skipped, links=links)
    return paths


# -- the CSVs ------------------------------------------------------------------------
#
# A score cell is left empty whenever the grader has no score to give: the grader failed, the
# submission could not be graded, or a manual item still awaits a TA. An empty cell in
# Canvas's import changes nothing, so nothing is posted; the status and reason columns say why.


def _score(view: StudentView) -> float | None:
    """The total to post, or None: no score was earned or lost, so none may be posted."""
    return view.result.score if view.result.outcome is Outcome.GRADED else None


def _item_cells(view: StudentView, item_ids: list[str]) -> list[Cell]:
    if view.result.outcome is not Outcome.GRADED:
        return [None] * len(item_ids)
    found = {i.id: i for i in view.result.items}
    return [found[i].points if i in found and found[i].status is not ItemStatus.MANUAL else None for i in item_ids]


def reason(view: StudentView) -> str:
    """One line on why a student has no score (or what a TA still has to do); empty when graded."""
    result = view.result
    if result.outcome is Outcome.GRADER_ERROR:
        return "grader error, not the student's fault: fix and run again with --retry-errors"
    if result.outcome is Outcome.NOT_GRADABLE:
        first = result.reason.strip().splitlines()[0] if result.reason.strip() else "the submission is unusable"
        return f"not gradable: {first}"[:300]
    pending = [i.id for i in result.items if i.status is ItemStatus.MANUAL]
    if pending:
        return f"awaiting a TA: {', '.join(pending)}"
    return ""


def gradebook_csv(views: list[StudentView], item_ids: list[str]) -> str:
    rows: list[list[Cell]] = [["student", "name", "email", *item_ids, "total", "max", "status", "flags", "reason"]]
    for view in views:
        for person in members(view):
            rows.append([person.id, person.name, person.email, *_item_cells(view, item_ids), _score(view),
                         view.result.max_score, view.result.outcome.value, ";".join(view.flags), reason(view)])
    return csv_text(rows)


def canvas_csv(views: list[StudentView], *, column: str, total: float) -> str:
    rows: list[list[Cell]] = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column],
                              ["Points Possible", "", "", "", "", total]]
    for view in views:
        canvas = view.record.layout == "canvas"
        for person in members(view):
            rows.append([person.name or person.id, person.id if canvas else "", "" if canvas else person.id, "", "",
                         _score(view)])
    return csv_text(rows)


def gradescope_csv(views: list[StudentView], rubric) -> str:  # type: ignore[no-untyped-def]
    items = list(rubric.items)
    rows: list[list[Cell]] = [["Name", "SID", "Email", "Total Score", "Max Points", "Status", "Submission ID",
                               *[f"{i.id}: {i.title} ({i.points:g} pts)" for i in items]]]
    for view in views:
        status = "Graded" if view.result.outcome is Outcome.GRADED else view.result.outcome.value
        for person in members(view):
            rows.append([person.name, person.id, person.email, _score(view), rubric.total, status,
                         view.record.student.submission_id, *_item_cells(view, [i.id for i in items])])
    return csv_text(rows)
