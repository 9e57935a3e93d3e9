"""Where an assignment's parts live: rubric, hidden tests, reference, student template.

The project root is the folder holding ``rubrics/``: ``GRADER_HOME`` if set, else the
checkout this package was installed from (an editable install), else the current
directory or one of its parents.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["AssignmentPaths", "UnknownAssignment", "project_root", "assignment_paths", "known_assignments"]


class UnknownAssignment(LookupError):
    pass


def project_root() -> Path:
    env = os.environ.get("GRADER_HOME")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parent.parent
    if (here / "rubrics").is_dir():
        return here
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        if (folder / "rubrics").is_dir():
            return folder
    raise UnknownAssignment("cannot find the project's rubrics/ folder; set GRADER_HOME to the grader checkout")


@dataclass(frozen=True)
class AssignmentPaths:
    id: str
    root: Path

    @property
    def rubric_file(self) -> Path:
        return self.root / "rubrics" / self.id / "rubric.yaml"

    @property
    def tests_dir(self) -> Path:
        return self.root / "rubrics" / self.id / "tests"

    @property
    def reference_dir(self) -> Path:
        return self.root / "reference" / self.id

    @property
    def template_dir(self) -> Path:
        return self.root / "student_template" / self.id

    @property
    def samples_dir(self) -> Path:
        return self.root / "rubrics" / self.id / "samples"


def known_assignments(root: Path | None = None) -> list[str]:
    root = root or project_root()
    return sorted(p.parent.name for p in (root / "rubrics").glob("*/rubric.yaml"))


def assignment_paths(assignment: str, root: Path | None = None) -> AssignmentPaths:
    root = root or project_root()
    paths = AssignmentPaths(assignment, root)
    if not paths.rubric_file.is_file():
        known = ", ".join(known_assignments(root)) or "none"
        raise UnknownAssignment(f"no assignment {assignment!r} (no {paths.rubric_file}); known assignments: {known}")
    return paths
