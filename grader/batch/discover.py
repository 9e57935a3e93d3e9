"""Find one submission per student in a folder, and the student's id from its layout.

Three layouts are recognised, in this order:

- **Gradescope** bulk export ("Download Submissions"): a ``submission_metadata.yml`` beside
  folders ``submission_<n>/``. The student is the first submitter's ``:sid:`` (else their
  e-mail, else the submission id); a group's other members are kept in ``Student.group`` and
  get the group's score in every gradebook.
- **Canvas** bulk download ("Download Submissions"): flat files named
  ``<sortablename>_[LATE_]<user id>_<submission id>_<original name>``. The student is the
  Canvas user id (what Canvas's gradebook import matches on); a student's several files are
  grouped into one submission under their original names; ``LATE`` becomes a flag; of a file
  Canvas renamed on resubmission (``mlp.py``, ``mlp-1.py``, ``mlp-2.py``) the latest attempt
  is graded under the plain name.
- **Plain**: every ``.zip``, ``.py`` or ``.ipynb`` file and every folder is one student's
  submission; the student id is the name without its suffix. Canvas-named files in a plain
  (mixed) folder are still grouped per Canvas user.

A student with several submissions gets the latest graded: by Gradescope's ``created_at``,
Canvas's attempt suffix, else the modification time. Discovery reads names (and times) only;
it never opens a submission. Everything not graded (older submissions, files that fit no
layout) is listed in ``Discovery.skipped`` with the reason, never graded silently as
something else.
"""

from __future__ import annotations

import re
from datetime import datetime
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

__all__ = ["Member", "Student", "Submission", "Discovery", "DiscoveryError", "discover_submissions", "student_key",
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


class Member(BaseModel):
    """Another member of a group submission (Gradescope): gets the group's score in every gradebook."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str = ""
    email: str = ""


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
    #: a group submission's other members (this student is its first submitter)
    group: tuple[Member, ...] = ()


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
    """Every student's submission in ``folder``; ``layout`` forces one of ``LAYOUTS``.

    A student with several submissions gets the latest graded (by the platform's own order:
    Gradescope's ``created_at``, Canvas's attempt suffix, else the modification time); the
    others are listed in ``skipped`` with the reason.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DiscoveryError(f"{folder} is not a folder; give the folder that holds one submission per student")
    if layout is not None and layout not in LAYOUTS:
        raise DiscoveryError(f"unknown layout {layout!r}; choose one of: {', '.join(LAYOUTS)}")
    chosen = layout or _detect(folder)
    if chosen == "gradescope":
        found = _gradescope(folder)
    else:
        found = _flat(folder, required_files, canvas_only=layout == "canvas", layout=chosen)
        if layout is None:  # what was found: "mixed" when Canvas files sit beside plain submissions
            kinds = {s.layout for s in found.submissions}
            found.layout = kinds.pop() if len(kinds) == 1 else "mixed" if kinds else "plain"
    found.submissions.sort(key=lambda s: s.key)
    return found


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name not in _LITTER and not p.name.startswith("."))


def _detect(folder: Path) -> str:
    return "gradescope" if (folder / GRADESCOPE_METADATA).is_file() else "plain"


def _modified(path: Path) -> float:
    """When a submission was last changed: a file's mtime, a folder's newest file (bounded walk)."""
    try:
        newest = path.lstat().st_mtime
        if path.is_dir() and not path.is_symlink():
            for n, child in enumerate(path.rglob("*")):
                if n > 2000:
                    break
                newest = max(newest, child.lstat().st_mtime)
        return newest
    except OSError:
        return 0.0


_Candidate = tuple[Submission, tuple[float, ...], str]


def _keep_latest(found: Discovery, candidates: list[_Candidate]) -> None:
    """One submission per student key: the latest by its order key; the others go to ``skipped``."""
    by_key: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        by_key.setdefault(candidate[0].key, []).append(candidate)
    for group in by_key.values():
        group.sort(key=lambda c: (c[1], _label(c[0])))
        latest = group[-1][0]
        found.submissions.append(latest)
        for sub, _, how in group[:-1]:
            found.skipped.append((_label(sub), f"an older submission of student {sub.student.id} ({how}); "
                                               f"graded the latest, {_label(latest)}"))


def _label(sub: Submission) -> str:
    return sub.files[0][1].name if sub.files else sub.path.name


# -- plain and Canvas ------------------------------------------------------------------


def _flat(folder: Path, required_files: tuple[str, ...], *, canvas_only: bool, layout: str) -> Discovery:
    """Canvas-named files grouped per student, and (unless ``canvas_only``) every other entry as one student."""
    found = Discovery(layout)
    candidates: list[_Candidate] = []
    groups: dict[str, list[tuple[re.Match[str], Path]]] = {}
    for entry in _entries(folder):
        match = _CANVAS.match(entry.name) if entry.is_file() and not entry.is_symlink() else None
        if match is not None:
            groups.setdefault(match["uid"], []).append((match, entry))
        elif canvas_only:
            found.skipped.append((entry.name, "not named like a Canvas download "
                                              "(name_[LATE_]userid_submissionid_file)"))
        elif entry.is_symlink():
            found.skipped.append((entry.name, "a symbolic link; put the submission itself in the folder"))
        elif entry.is_dir() or entry.suffix.lower() in _SUBMISSION_SUFFIXES:
            sid = entry.name if entry.is_dir() else entry.name[: -len(entry.suffix)]
            candidates.append((Submission(Student(id=sid), student_key(sid), entry, "plain"),
                               (_modified(entry),), "by modification time"))
        else:
            found.skipped.append((entry.name, f"not a submission: expected a folder or a "
                                              f"{', '.join(_SUBMISSION_SUFFIXES)} file"))
    for uid, members in groups.items():
        candidates.append((_canvas_submission(uid, members, required_files, found),
                           (max(_modified(path) for _, path in members),), "by modification time"))
    _keep_latest(found, candidates)
    return found


def _canvas_submission(uid: str, members: list[tuple[re.Match[str], Path]], required_files: tuple[str, ...],
                       found: Discovery) -> Submission:
    first = members[0][0]
    student = Student(id=uid, name=first["name"], submission_id=first["sub"],
                      late=any(m["late"] for m, _ in members))
    files = _canvas_latest_attempts([(m["original"], path) for m, path in members], required_files, found)
    if len(files) == 1 and files[0][0].lower().endswith(".zip"):
        return Submission(student, student_key(uid), files[0][1], "canvas")  # a zip is graded as it is
    # the path is for messages; the files are staged into a folder under their own names
    return Submission(student, student_key(uid), files[0][1], "canvas", tuple(files))


def _canvas_latest_attempts(files: list[tuple[str, Path]], required: tuple[str, ...],
                            found: Discovery) -> list[tuple[str, Path]]:
    """Canvas renames a resubmitted file ``mlp-1.py``, ``mlp-2.py``: keep each file's latest attempt.

    A suffixed name counts as an attempt of the plain name when the plain name is also among the
    student's files or is a file the rubric requires; otherwise the name is kept as it is.
    """
    names = {name for name, _ in files}
    attempts: dict[str, list[tuple[int, str, Path]]] = {}
    for name, path in sorted(files):
        match = _CANVAS_RESUBMIT.match(name)
        plain = match["stem"] + match["suffix"] if match else name
        if match and name not in required and (plain in names or plain in required):
            attempts.setdefault(plain, []).append((int(match["n"]), name, path))
        else:
            attempts.setdefault(name, []).append((0, name, path))
    out = []
    for plain, tries in sorted(attempts.items()):
        tries.sort()
        out.append((plain, tries[-1][2]))
        for _, _, path in tries[:-1]:
            found.skipped.append((path.name, f"an older attempt of {plain} (Canvas numbers resubmissions "
                                             f"-1, -2, ...); graded {tries[-1][2].name}"))
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


def _gradescope(folder: Path) -> Discovery:
    """Each ``submission_<n>/`` with its submitters; a person in several submissions gets the latest."""
    found = Discovery("gradescope")
    meta_file = folder / GRADESCOPE_METADATA
    try:
        metadata = YAML(typ="safe").load(meta_file.read_text(encoding="utf-8"))
    except (OSError, YAMLError, RecursionError) as exc:
        raise DiscoveryError(f"{meta_file}: cannot read Gradescope's metadata ({exc}); "
                             "download the submissions again, or use --layout plain") from None
    if not isinstance(metadata, dict):
        raise DiscoveryError(f"{meta_file}: expected a mapping of submission_<n> to submitters")
    listed = set()
    entries: list[tuple[str, Path, list[Member], tuple[float, ...]]] = []
    for sub_id, entry in metadata.items():
        sub_id = str(sub_id)
        listed.add(sub_id)
        path = folder / sub_id
        if not path.is_dir() or path.is_symlink():
            found.skipped.append((sub_id, f"listed in {GRADESCOPE_METADATA} but there is no folder {sub_id}/"))
            continue
        people = [p for p in (_field(entry, "submitters") or []) if isinstance(p, dict)]
        if not people:
            found.skipped.append((sub_id, "no submitters in the metadata"))
            continue
        members = []
        for person in people:
            sid = str(_field(person, "sid") or "").strip() or str(_field(person, "email") or "").strip() or sub_id
            members.append(Member(id=sid, name=str(_field(person, "name") or "").strip(),
                                  email=str(_field(person, "email") or "").strip()))
        entries.append((sub_id, path, members, _created_at(entry, path)))
    latest: dict[str, tuple[tuple[float, ...], str]] = {}
    for sub_id, _, members, when in entries:
        for member in members:
            if member.id not in latest or (when, sub_id) > latest[member.id]:
                latest[member.id] = (when, sub_id)
    for sub_id, path, members, _ in entries:
        kept = [m for m in members if latest[m.id][1] == sub_id]
        for m in members:
            if m not in kept:
                found.skipped.append((f"{sub_id} ({m.id})", f"an older submission of student {m.id} (by "
                                                            f"Gradescope's created_at); graded the latest, "
                                                            f"{latest[m.id][1]}"))
        if not kept:
            continue
        first = kept[0]
        student = Student(id=first.id, name=first.name, email=first.email, submission_id=sub_id,
                          group=tuple(kept[1:]))
        found.submissions.append(Submission(student, student_key(first.id), path, "gradescope"))
    for entry in _entries(folder):
        if entry.name != GRADESCOPE_METADATA and entry.name not in listed:
            found.skipped.append((entry.name, f"not listed in {GRADESCOPE_METADATA}"))
    return found


def _created_at(entry: object, path: Path) -> tuple[float, ...]:
    """Gradescope's ``:created_at:`` as a timestamp (YAML gives a datetime or a string); else the mtime."""
    value = _field(entry, "created_at")
    if isinstance(value, datetime):
        return (1.0, value.timestamp())
    if isinstance(value, str) and value.strip():
        text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip())  # nanoseconds: Python parses microseconds
        for pattern in ("%Y-%m-%d %H:%M:%S.%f %z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S.%f%z",
                        "%Y-%m-%dT%H:%M:%S%z"):
            try:
                return (1.0, datetime.strptime(text, pattern).timestamp())
            except ValueError:
                continue
    return (0.0, _modified(path))


def _field(entry: object, name: str) -> object:
    """Gradescope writes Ruby symbols as keys (``:sid:``); accept ``sid`` too."""
    if not isinstance(entry, dict):
        return None
    return entry.get(f":{name}", entry.get(name))


