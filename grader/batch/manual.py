"""Manual items: export them for the TAs, import their scores, merge them into every output.

``grader manual export OUT`` writes ``manual-items.csv`` (or ``manual-items.html``, a small
local form that downloads the same CSV) with one row per student and manual item: the
student's text (from the item's ``answer_file``), the grading note, the keywords the note asks
for, and empty ``points`` and ``comment`` columns for the TA.

``grader manual import OUT scores.csv`` checks every row before it keeps any: unknown
students or items, points that are not numbers, negative, or over the item's maximum are
refused together, each with its row and what to do. Accepted scores go to ``OUT/manual.json``
(atomically); the journal is never edited. Every report and gradebook is rendered from the
journal *with* these scores applied (:func:`apply_manual`), so a regrade keeps them.
"""

from __future__ import annotations

import csv
import difflib
import io
import tempfile
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from grader.batch.csvsafe import Cell, csv_text, unneutralise
from grader.batch.journal import Record, atomic_write_text, now
from grader.report.keywords import keyword_segments
from grader.results.models import ItemResult, ItemStatus, SubmissionResult

__all__ = ["ManualScore", "ManualScores", "ManualImportError", "apply_manual", "load_manual", "save_manual",
           "manual_rows", "export_manual_csv", "parse_manual_csv", "MANUAL_FILE", "CSV_COLUMNS"]

MANUAL_FILE = "manual.json"
CSV_COLUMNS = ("student", "name", "item", "title", "max_points", "note", "keywords", "answer", "look_at", "report",
               "points", "comment", "key")
#: the student's text shown to the TA is cut beyond this many characters
_ANSWER_CHARS = 20_000


class ManualScore(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    points: float = Field(ge=0)
    comment: str = ""
    source: str = ""
    imported_at: datetime
    #: the submission the TA read; a later, different submission flags the score as stale
    submission_sha256: str = ""


class ManualScores(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = 1
    #: student key -> item id -> score
    scores: dict[str, dict[str, ManualScore]] = Field(default_factory=dict)

    def for_student(self, key: str) -> dict[str, ManualScore]:
        return self.scores.get(key, {})


class ManualImportError(ValueError):
    """The TA's file was refused; ``problems`` lists each with its row."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        shown = problems[:30] + ([f"... and {len(problems) - 30} more"] if len(problems) > 30 else [])
        super().__init__(f"{source}: nothing was imported; fix these rows and import the file again:\n  "
                         + "\n  ".join(shown))


def load_manual(out_dir: Path) -> ManualScores:
    path = Path(out_dir) / MANUAL_FILE
    if not path.is_file():
        return ManualScores()
    return ManualScores.model_validate_json(path.read_bytes())


def save_manual(out_dir: Path, scores: ManualScores) -> None:
    atomic_write_text(Path(out_dir) / MANUAL_FILE, scores.model_dump_json(indent=1) + "\n")


def apply_manual(result: SubmissionResult, scores: dict[str, ManualScore],
                 submission_sha256: str = "") -> tuple[SubmissionResult, list[str]]:
    """The result with the TA's scores on its manual items; also the problems found (for flags)."""
    if not scores:
        return result, []
    problems: list[str] = []
    items: list[ItemResult] = []
    for item in result.items:
        score = scores.get(item.id)
        if score is None or item.status is not ItemStatus.MANUAL:
            items.append(item)
            continue
        if score.points > item.max_points + 1e-9:
            problems.append(f"manual-over-max:{item.id}")
            items.append(item)
            continue
        if submission_sha256 and score.submission_sha256 and score.submission_sha256 != submission_sha256:
            problems.append(f"manual-stale:{item.id}")
        status = (ItemStatus.PASSED if score.points >= item.max_points - 1e-9 else
                  ItemStatus.PARTIAL if score.points > 0 else ItemStatus.FAILED)
        messages = [f"Scored by a TA: {score.points:g} of {item.max_points:g} points."]
        if score.comment.strip():
            messages.append(f"TA comment: {score.comment.strip()}")
        items.append(item.model_copy(update={"points": score.points, "status": status,
                                             "messages": tuple(messages)}))
    return result.model_copy(update={"items": tuple(items)}), problems


# -- export --------------------------------------------------------------------------


def manual_rows(records: dict[str, Record], rubric,  # type: ignore[no-untyped-def]
                scores: ManualScores | None = None) -> list[dict[str, str]]:
    """One row per student and manual item: the student's text, what to look at, scores already imported.

    ``look_at`` names the pictures the item is about: those the student's result attached to
    the item itself or to the automatic items that check the same files (``needs``), such as
    the optimised images of nyu-dl-hw1's ``gd.optimise`` for its ``gd.visuals``; ``report``
    links the item's section of the student's report. ``images`` (not a CSV column) carries
    the pictures themselves, as data URIs, for the HTML form.
    """
    from urllib.parse import quote

    from grader.rubric.schema import ManualCheck

    scores = scores or ManualScores()
    manual = [i for i in rubric.items if isinstance(i.check, ManualCheck)]
    needs = {i.id: set(i.needs) - {rubric.answers_file or ""} for i in rubric.items}
    rows = []
    for key in sorted(records, key=lambda k: records[k].student.id):
        record = records[key]
        answers = _answers(record, [i.check.answer_file for i in manual if i.check.answer_file])
        imported = scores.for_student(key)
        numbers = {r.id: n for n, r in enumerate(record.result.items, start=1)}
        for item in manual:
            check = item.check
            text = answers.get(check.answer_file or "", "") if check.answer_file else ""
            if check.answer_file and check.answer_file not in answers:
                text = f"[no {check.answer_file} in the submission]"
            if check.answer_key:
                graded = next((i for i in record.result.items if i.id == item.id), None)
                text = (graded.answer if graded is not None else "")[:_ANSWER_CHARS] or (
                    f"[no answer for {check.answer_key} in {rubric.answers_file}]")
            related = [r for r in record.result.items
                       if r.id == item.id or (needs[item.id] and needs.get(r.id, set()) & needs[item.id])]
            images = [(f"{r.id}: {a.title}", f"data:{a.media_type};base64,{a.data_b64}")
                      for r in related for a in r.artifacts
                      if a.data_b64 and a.media_type in ("image/png", "image/jpeg", "image/gif")]
            score = imported.get(item.id)
            rows.append({
                "student": record.student.id, "name": record.student.name, "item": item.id, "title": item.title,
                "max_points": f"{item.points:g}", "note": item.note,
                "key": item.key,  # the rubric's TA-only answer key: this sheet is for the TA
                "keywords": ", ".join(check.keywords),
                "answer": text, "look_at": "; ".join(title for title, _ in images),
                "report": f"students/{quote(key)}/report.html#item-{numbers[item.id]}" if item.id in numbers else "",
                "points": f"{score.points:g}" if score else "", "comment": score.comment if score else "",
                "images": images,  # type: ignore[dict-item]
            })
    return rows


def _answers(record: Record, names: list[str]) -> dict[str, str]:
    """The named files of a submission, read through intake (a zip is unpacked safely, never trusted)."""
    if not names:
        return {}
    from grader.intake import NotGradable, prepare_workspace

    path = Path(record.submission_path)
    with tempfile.TemporaryDirectory(prefix="grader-manual-") as tmp:
        try:
            workspace = prepare_workspace(path, Path(tmp) / "ws")
        except (NotGradable, OSError):
            return {}
        out = {}
        for name in names:
            target = workspace.path / name
            if target.is_file() and not target.is_symlink():
                text = target.read_bytes()[: _ANSWER_CHARS * 4].decode("utf-8", errors="replace")
                out[name] = text[:_ANSWER_CHARS]
        return out


def export_manual_csv(rows: list[dict[str, str]], path: Path) -> Path:
    """The TA's sheet; student text is neutralised against spreadsheet formulas (``csvsafe``)."""
    table: list[list[Cell]] = [list(CSV_COLUMNS)]
    table.extend([row.get(column, "") for column in CSV_COLUMNS] for row in rows)
    atomic_write_text(Path(path), csv_text(table))
    return Path(path)


# -- import --------------------------------------------------------------------------


def parse_manual_csv(text: str, *, source: str, records: dict[str, Record],
                     rubric) -> dict[str, dict[str, ManualScore]]:  # type: ignore[no-untyped-def]
    """Validated scores by student key and item; raises ``ManualImportError`` listing every bad row."""
    from grader.rubric.schema import ManualCheck

    manual = {i.id: i for i in rubric.items if isinstance(i.check, ManualCheck)}
    by_id = {r.student.id: key for key, r in records.items()}
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("student", "item", "points") if c not in (reader.fieldnames or [])]
    if missing:
        raise ManualImportError(source, [f"the header has no {', '.join(missing)} column; export a fresh file "
                                         "with 'grader manual export' and fill in its points column"])
    problems: list[str] = []
    scores: dict[str, dict[str, ManualScore]] = {}
    seen: dict[tuple[str, str], int] = {}
    stamp = now()
    for row_no, row in enumerate(reader, start=2):
        student = unneutralise((row.get("student") or "").strip())
        item_id = unneutralise((row.get("item") or "").strip())
        raw = (row.get("points") or "").strip()
        where = f"row {row_no} (student {student!r}, item {item_id!r})"
        if not raw:
            continue  # not graded yet
        if student not in by_id:
            close = difflib.get_close_matches(student, list(by_id), n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else "; it is not in this batch"
            problems.append(f"{where}: unknown student id {student!r}{hint}")
            continue
        if item_id not in manual:
            known = ", ".join(manual) or "none"
            problems.append(f"{where}: {item_id!r} is not a manual item of {rubric.assignment} (manual items: {known})")
            continue
        try:
            points = float(raw)
        except ValueError:
            problems.append(f"{where}: points {raw!r} is not a number")
            continue
        maximum = manual[item_id].points
        if points != points or points < 0:
            problems.append(f"{where}: points {raw} must be between 0 and {maximum:g}")
            continue
        if points > maximum + 1e-9:
            problems.append(f"{where}: {points:g} points is over the maximum of {maximum:g} for item {item_id}")
            continue
        if (student, item_id) in seen:
            problems.append(f"{where}: this student and item were already scored on row {seen[(student, item_id)]}")
            continue
        seen[(student, item_id)] = row_no
        scores.setdefault(by_id[student], {})[item_id] = ManualScore(
            points=points, comment=unneutralise((row.get("comment") or "").strip()), source=source, imported_at=stamp,
            submission_sha256=records[by_id[student]].submission_sha256)
    if problems:
        raise ManualImportError(source, problems)
    return scores


def merge_scores(old: ManualScores, new: dict[str, dict[str, ManualScore]]) -> ManualScores:
    merged = {k: dict(v) for k, v in old.scores.items()}
    for key, items in new.items():
        merged.setdefault(key, {}).update(items)
    return ManualScores(scores=merged)


# -- the commands' API ------------------------------------------------------------------


def _batch(out_dir: Path, root: Path | None):  # type: ignore[no-untyped-def]
    from grader.api import load_assignment
    from grader.batch.journal import Journal, JournalError

    journal = Journal(Path(out_dir))
    manifest = journal.read_manifest()
    if manifest is None:
        raise JournalError(f"{out_dir} is not a batch output folder (no batch.json); "
                           "run 'grader batch SUBMISSIONS -a ID -o OUT' first")
    paths, rubric = load_assignment(manifest.assignment, root=root)
    return journal, manifest, rubric


def export_manual(out_dir: Path, *, fmt: str = "csv", dest: Path | None = None,
                  root: Path | None = None) -> tuple[Path, int]:
    """Write the manual items of every student for the TAs (with scores already imported); returns the file and rows."""
    if fmt not in ("csv", "html"):
        raise ValueError(f"unknown format {fmt!r}; choose csv or html")
    journal, manifest, rubric = _batch(out_dir, root)
    rows = manual_rows(journal.load(), rubric, load_manual(out_dir))
    target = Path(dest) if dest else Path(out_dir) / f"manual-items.{fmt}"
    if fmt == "csv":
        export_manual_csv(rows, target)
    else:
        atomic_write_text(target, render_manual_form(rows, rubric))
    return target, len(rows)


def import_manual(out_dir: Path, scores_csv: Path, *, root: Path | None = None) -> tuple[int, int]:
    """Merge a TA's CSV into ``manual.json`` and re-render every output; returns (scores, students)."""
    from grader.batch.runner import render_outputs

    journal, manifest, rubric = _batch(out_dir, root)
    with journal:
        records = journal.load()
        text = Path(scores_csv).read_text(encoding="utf-8-sig")
        new = parse_manual_csv(text, source=Path(scores_csv).name, records=records, rubric=rubric)
        save_manual(out_dir, merge_scores(load_manual(out_dir), new))
        render_outputs(Path(out_dir), journal=journal, rubric=rubric, canvas_column=manifest.canvas_column,
                       skipped=manifest.skipped)
    return sum(len(v) for v in new.values()), len(new)


def render_manual_form(rows: list[dict[str, str]], rubric) -> str:  # type: ignore[no-untyped-def]
    from grader.batch.summary import _environment

    for row in rows:
        row_keywords = [k.strip() for k in row["keywords"].split(",")]
        row["segments"] = keyword_segments(row["answer"], row_keywords)  # type: ignore[assignment]
    return _environment().get_template("manual.html.j2").render(rows=rows, rubric=rubric, columns=CSV_COLUMNS)
