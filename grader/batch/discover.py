"""Find one submission per student in a folder, and the student's id from its layout.

Three layouts are recognised, in this order:

- **Gradescope** bulk export ("Download Submissions"): a ``submission_metadata.yml`` beside
  folders ``submission_<n>/``. The student is the first submitter's ``:sid:`` (else their
  e-mail, else the submission id); the other members of a group are kept in ``name``.
- **Canvas** bulk download ("Download Submissions"): flat files named
  ``<sortablename>_[LATE_]<user id>_<submission id>_<original name>``. The student is the
  Canvas user id (what Canvas's gradebook import matches on); a student's several files are
  grouped into one submission under their original names; ``LATE`` becomes a flag; Canvas's
  resubmission suffix (``mlp-1.py``) is undone for the files the rubric requires.
- **Plain**: every ``.zip``, ``.py`` or ``.ipynb`` file and every folder is one student's
  submission; the student id is the name without its suffix.

Discovery reads names only; it never opens a submission. Files that fit no layout are
listed in ``Discovery.skipped`` with the reason, never graded silently as something else.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

__all__ = ["Student", "Submission", "Discovery", "DiscoveryError", "discover_submissions", "student_key",
           "LAYOUTS"]

LAYOUTS = ("gradescope", "canvas", "plain")
GRADESCOPE_METADATA = "submission_metadata.yml"
_SUBMISSION_SUFFIXES = (".zip", ".py", ".ipynb")
#: what an OS or an editor leaves in a folder; never a submission
_LITTER = {"__MACOSX", ".DS_Store", "__pycache__", ".ipynb_checkpoints", "Thumbs.db", ".git"}
_CANVAS = re.compile(r"^(?P<name>[^_]+)_(?:(?P<late>LATE)_)?(?P<uid>\d+)_(?P<sub>\d+)_(?P<original>.+)$")
_CANVAS_RESUBMIT = re.compile(r"^(?P<stem>.+)-(?P<n>\d+)(?P<suffix>\.[^.]+)$")
_UNSAFE_KEY = re.compile(r"[^A-Za-z0-9._-]")


class DiscoveryError(ValueError):
    """The folder cannot be read as a set of submissions; the message says what to change."""


class Student(BaseModel):
    """Who a submission belongs to, as the course's systems know them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: the id gradebooks use: Canvas user id, Gradescope SID (or e-mail), or the file's stem
    id: str
    name: str = ""
    email: str = ""
    #: the platform's id of this submission (Canvas submission id, Gradescope ``submission_<n>``)
    submission_id: str = ""
    #: Canvas marked the submission late
    late: bool = False


@dataclass(frozen=True)
class Submission:
    student: Student
    #: stable, file-name-safe key derived from the student id (journal and report folder names)
    key: str
    #: what the grader is given: a file or a folder (with ``files``: the first of them, for messages)
    path: Path
    layout: str
    #: Canvas: the student's files under their original names (staged into a folder before grading)
    files: tuple[tuple[str, Path], ...] = ()


@dataclass
class Discovery:
    layout: str
    submissions: list[Submission] = field(default_factory=list)
    #: (name, why it was not taken as a submission)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def student_key(student_id: str) -> str:
    """A file-name-safe, unique key: the id itself when it is plain, else a slug plus a hash of the id."""
    import hashlib

    slug = _UNSAFE_KEY.sub("_", student_id).strip("._") or "student"
    if slug == student_id and len(slug) <= 80:
        return slug
    return f"{slug[:60]}-{hashlib.sha256(student_id.encode()).hexdigest()[:10]}"


def discover_submissions(folder: Path, *, required_files: tuple[str, ...] = (),
                         layout: str | None = None) -> Discovery:
    """Every student's submission in ``folder``; ``layout`` forces one of ``LAYOUTS``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DiscoveryError(f"{folder} is not a folder; give the folder that holds one submission per student")
    if layout is not None and layout not in LAYOUTS:
        raise DiscoveryError(f"unknown layout {layout!r}; choose one of: {', '.join(LAYOUTS)}")
    chosen = layout or _detect(folder)
    found = {"gradescope": _gradescope, "canvas": _canvas, "plain": _plain}[chosen](folder, required_files)
    _refuse_duplicates(found)
    found.submissions.sort(key=lambda s: s.key)
    return found


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name not in _LITTER and not p.name.startswith("."))


def _detect(folder: Path) -> str:
    if (folder / GRADESCOPE_METADATA).is_file():
        return "gradescope"
    files = [p for p in _entries(folder) if p.is_file()]
    if files and sum(bool(_CANVAS.match(p.name)) for p in files) * 2 > len(files):
        return "canvas"
    return "plain"


# -- plain ------------------------------------------------------------------------


def _plain(folder: Path, required_files: tuple[str, ...]) -> Discovery:
    found = Discovery("plain")
    for entry in _entries(folder):
        if entry.is_symlink():
            found.skipped.append((entry.name, "a symbolic link; put the submission itself in the folder"))
        elif entry.is_dir():
            sid = entry.name
            found.submissions.append(Submission(Student(id=sid), student_key(sid), entry, "plain"))
        elif entry.suffix.lower() in _SUBMISSION_SUFFIXES:
            sid = entry.name[: -len(entry.suffix)]
            found.submissions.append(Submission(Student(id=sid), student_key(sid), entry, "plain"))
        else:
            found.skipped.append((entry.name, f"not a submission: expected a folder or a "
                                              f"{', '.join(_SUBMISSION_SUFFIXES)} file"))
    return found


# -- Canvas -----------------------------------------------------------------------


def _canvas(folder: Path, required_files: tuple[str, ...]) -> Discovery:
    found = Discovery("canvas")
    groups: dict[str, list[tuple[re.Match[str], Path]]] = {}
    for entry in _entries(folder):
        match = _CANVAS.match(entry.name) if entry.is_file() and not entry.is_symlink() else None
        if match is None:
            found.skipped.append((entry.name, "not named like a Canvas download "
                                              "(name_[LATE_]userid_submissionid_file)"))
            continue
        groups.setdefault(match["uid"], []).append((match, entry))
    for uid, members in groups.items():
        first = members[0][0]
        student = Student(id=uid, name=first["name"], submission_id=first["sub"],
                          late=any(m["late"] for m, _ in members))
        files = _canvas_original_names([(m["original"], path) for m, path in members], required_files)
        if len(files) == 1 and files[0][0].lower().endswith(".zip"):
            path = files[0][1]  # a zip's own name does not matter: grade it as it is
            files = ()
        else:
            path = files[0][1]  # for messages; the files are staged into a folder before grading
        found.submissions.append(Submission(student, student_key(uid), path, "canvas", tuple(files)))
    return found


def _canvas_original_names(files: list[tuple[str, Path]], required: tuple[str, ...]) -> list[tuple[str, Path]]:
    """Undo Canvas's ``-1`` resubmission suffix where that gives back a file the rubric requires."""
    names = {name for name, _ in files}
    out = []
    for name, path in sorted(files):
        match = _CANVAS_RESUBMIT.match(name)
        if match and name not in required:
            plain = match["stem"] + match["suffix"]
            if plain in required and plain not in names:
                names.add(plain)
                name = plain
        out.append((name, path))
    return out


def stage_submission(submission: Submission, staging_root: Path) -> Path:
    """The path to grade: the submission itself, or (Canvas files) a folder of them under their own names."""
    if not submission.files:
        return submission.path
    target = staging_root / submission.key
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name, source in submission.files:
        shutil.copyfile(source, target / Path(name).name)
    return target


# -- Gradescope -------------------------------------------------------------------


def _gradescope(folder: Path, required_files: tuple[str, ...]) -> Discovery:
    found = Discovery("gradescope")
    meta_file = folder / GRADESCOPE_METADATA
    try:
        metadata = YAML(typ="safe").load(meta_file.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise DiscoveryError(f"{meta_file}: cannot read Gradescope's metadata ({exc}); "
                             "download the submissions again, or use --layout plain") from None
    if not isinstance(metadata, dict):
        raise DiscoveryError(f"{meta_file}: expected a mapping of submission_<n> to submitters")
    listed = set()
    for sub_id, entry in metadata.items():
        sub_id = str(sub_id)
        listed.add(sub_id)
        path = folder / sub_id
        if not path.is_dir():
            found.skipped.append((sub_id, f"listed in {GRADESCOPE_METADATA} but there is no folder {sub_id}/"))
            continue
        submitters = _field(entry, "submitters") or []
        people = [p for p in submitters if isinstance(p, dict)]
        if not people:
            found.skipped.append((sub_id, "no submitters in the metadata"))
            continue
        first = people[0]
        sid = str(_field(first, "sid") or "").strip() or str(_field(first, "email") or "").strip() or sub_id
        names = [str(_field(p, "name") or "").strip() for p in people]
        student = Student(id=sid, name=" & ".join(n for n in names if n), email=str(_field(first, "email") or ""),
                          submission_id=sub_id)
        found.submissions.append(Submission(student, student_key(sid), path, "gradescope"))
    for entry in _entries(folder):
        if entry.name != GRADESCOPE_METADATA and entry.name not in listed:
            found.skipped.append((entry.name, f"not listed in {GRADESCOPE_METADATA}"))
    return found


def _field(entry: object, name: str) -> object:
    """Gradescope writes Ruby symbols as keys (``:sid:``); accept ``sid`` too."""
    if not isinstance(entry, dict):
        return None
    return entry.get(f":{name}", entry.get(name))


def _refuse_duplicates(found: Discovery) -> None:
    by_key: dict[str, list[Submission]] = {}
    for sub in found.submissions:
        by_key.setdefault(sub.key, []).append(sub)
    clashes = {k: v for k, v in by_key.items() if len(v) > 1}
    if clashes:
        lines = [f"student {v[0].student.id!r}: " + ", ".join(s.path.name for s in v) for v in clashes.values()]
        raise DiscoveryError("more than one submission for the same student; keep one each:\n  "
                             + "\n  ".join(lines))
