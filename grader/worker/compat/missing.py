"""What to tell a student whose file imports a module the grading environment lacks.

A bare ``ModuleNotFoundError: No module named 'x'`` does not say whether the course meant the
student to have ``x``, or what to do. ``explain(name)`` adds both, from the table of what each
course's starter code imports (``../shared/assignments/REAL_INTERFACES.md``, recorded per course;
installed ones never fail, so the table matters for those the grader does not install), and from
whether ``x`` is a file of the submission that is missing. The worker appends it to the error it
reports (``graderworker.server``, ``graderworker.notebook``) and to uncaught errors of any Python
process in the sandbox (``print_explanation``, from ``sys.excepthook``).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

__all__ = ["STARTER_IMPORTS", "NOT_INSTALLED", "explain", "explain_exception", "message_for", "print_explanation"]

#: module -> the courses whose starter code imports it (every one is installed or served by the grader)
STARTER_IMPORTS: dict[str, tuple[str, ...]] = {
    "torch": ("nyu-dl-hw1", "ee150-ps3", "cs446-hw3"),
    "numpy": ("nyu-dl-hw1", "ee150-ps3"),
    "cv2": ("nyu-dl-hw1",),
    "torchvision": ("nyu-dl-hw1", "ee150-ps3", "cs446-hw3"),
    "tqdm": ("nyu-dl-hw1", "ee150-ps3"),
    "tensorflow_datasets": ("ee150-ps3",),
    "nltk": ("ee150-ps3",),
    "matplotlib": ("ee150-ps3", "cs446-hw3"),
    "PIL": ("ee150-ps3", "cs446-hw3"),
    "skimage": ("cs446-hw3",),
    "pytest": ("ee150-ps3",),
    "google": ("Colab notebooks",),
}
#: module -> why the grader does not install it although a course names it, and what to do
NOT_INSTALLED: dict[str, str] = {
    "tensorflow": ("The ee150-ps3 starter lists tensorflow as a dependency, but its code only imports "
                   "tensorflow_datasets, which the grader serves itself (IMDB from its own copy). Remove "
                   "`import tensorflow` and use tensorflow_datasets as the starter's data.py does, or torch."),
    "colorama": ("Only the ee150-ps3 starter's own test runner (tests.py) uses colorama; the grader runs its "
                 "own tests. Do not import it from your code."),
    "pytest_jsonreport": ("Only the ee150-ps3 starter's test runner uses pytest-json-report; the grader runs "
                          "its own tests. Do not import it from your code."),
    "sklearn": ("No course's starter imports scikit-learn, so the grader does not install it. Use numpy or "
                "torch for what you took from it (a train/test split, a metric)."),
}


def _in_workspace(root: str) -> str:
    """The submission's file or folder that would be module ``root``, if any of it exists there."""
    from .notes import workspace

    for candidate in (f"{root}.py", root):
        if os.path.exists(os.path.join(workspace(), candidate)):
            return candidate
    return ""


def explain(name: str) -> str:
    """Why module ``name`` cannot be imported while grading, and what to do (one paragraph)."""
    root = name.split(".")[0]
    if root in sys.modules or _findable(root):
        if _in_workspace(root):
            parent, _, leaf = name.rpartition(".")
            return (f"Your submission's {parent or root} has no {leaf!r} (no file {leaf}.py in it): add that file "
                    "to the submission, or fix the import.")
        return (f"{root} is installed in the grading environment, but it has no module {name!r} (a different "
                f"version from yours?). Use only what the version installed here provides, or avoid {name}.")
    if root in NOT_INSTALLED:
        return f"The grading environment does not have {root}. {NOT_INSTALLED[root]}"
    courses = STARTER_IMPORTS.get(root)
    if courses:
        return (f"The grading environment does not have {root}, although the starter code of "
                f"{', '.join(courses)} imports it: this is the grader's fault, not yours; your instructor has to "
                "install it (docs/course-packages.md).")
    return (f"Neither your submission nor the grading environment has a module named {root}. If it is a file "
            f"of yours, add {root}.py (or the folder {root}/) to your submission, next to the file that imports "
            f"it. If it is a package: the grading environment does not have it, and no course's starter code "
            f"imports it (the grader installs what the starters use: torch, numpy, torchvision, opencv (cv2), "
            f"tqdm, nltk, scikit-image, matplotlib, Pillow); rewrite that part without {root}.")


def _findable(root: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(root) is not None
    except (ImportError, ValueError):
        return False


def explain_exception(exc: BaseException) -> str:
    """``explain`` for a ``ModuleNotFoundError`` (with its module name), or for ``from pkg import mod``
    where ``pkg`` is the submission's and ``mod`` is not there; else ``""``."""
    name = getattr(exc, "name", None)
    if not isinstance(exc, ImportError) or not isinstance(name, str) or not name:
        return ""
    try:
        if isinstance(exc, ModuleNotFoundError):
            return explain(name)
        wanted = re.match(r"cannot import name '([\w.]+)' from '([\w.]+)'", str(exc))
        if wanted and _in_workspace(name.split(".")[0]) and not _in_workspace(name.replace(".", os.sep)
                                                                           + os.sep + wanted.group(1)):
            return (f"Your submission's {name} has no {wanted.group(1)!r} (neither a file {wanted.group(1)}.py "
                    "nor a name defined in it): add that file to the submission, or fix the import.")
        return ""
    except Exception:  # noqa: BLE001 - an explanation must never hide the error itself
        return ""


def message_for(exc: BaseException, message: str) -> str:
    """``message`` with the explanation appended (once)."""
    extra = explain_exception(exc)
    if not extra or extra in message:
        return message
    return f"{message}. {extra}"


def print_explanation(value: Any) -> None:
    """What ``sys.excepthook`` adds after an uncaught error's traceback (``compat.install``)."""
    extra = explain_exception(value) if isinstance(value, BaseException) else ""
    if extra:
        print(f"grader: {extra}", file=sys.stderr)
