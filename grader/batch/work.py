"""What a batch worker does with one task: grade one submission, answer with the result's JSON.

A task and its answer are plain JSON-able dicts, so every executor (the local process pool,
Ray) moves the same data, and the parent never unpickles anything a worker made:

task::

    {"key": "alice", "assignment": "nyu-dl-hw1", "backend": null, "warm": true,
     "submission": "/abs/path" | {"pack": ...},       # a path here, or the files (Ray)
     "root": "/abs/project" | null, "assignment_pack": null | {...},
     "regrade_items": null | ["4.1"], "previous": null | "<SubmissionResult JSON>"}

answer::

    {"key": "alice", "result": "<SubmissionResult JSON>", "worker_s": 8.1, "host": "node-3:4242",
     "warm_problem": "..."}                           # only when warm workers were asked for and failed
    {"key": "alice", "error": "<traceback>", ...}     # the grader failed outside the pipeline

``regrade_items`` grades only those items and keeps the others from ``previous`` (a stage
placed before the hidden tests fills them in, so the pipeline runs the tests of the named
items only and a constraint's ``only_if_earned`` still sees the kept points).
"""

from __future__ import annotations

import base64
import functools
import os
import socket
import stat
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

__all__ = ["grade_task", "close", "pack_tree", "unpack_tree", "pack_assignment"]


def grade_task(task: dict[str, Any]) -> dict[str, Any]:
    """Grade one task; never raises (a failure comes back as ``error``)."""
    start = time.monotonic()
    answer: dict[str, Any] = {"key": task["key"], "host": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        with tempfile.TemporaryDirectory(prefix="grader-batch-task-") as scratch:
            answer["result"], warm_problem = _grade(task, Path(scratch))
        if warm_problem:
            answer["warm_problem"] = warm_problem
    except Exception:  # noqa: BLE001 - the parent turns it into a flagged grader error
        answer["error"] = traceback.format_exc()
    answer["worker_s"] = round(time.monotonic() - start, 3)
    return answer


def _grade(task: dict[str, Any], scratch: Path) -> tuple[str, str | None]:
    """The result's JSON, and why warm workers were not used when they were asked for."""
    from grader.pipeline import DEFAULT_STAGES, required_files, run_pipeline
    from grader.results.models import SubmissionResult

    root = Path(task["root"]) if task.get("root") else None
    if task.get("assignment_pack"):
        root = _unpacked_assignment(task["assignment_pack"])
    paths, rubric, backend = _assignment(task["assignment"], str(root) if root else None, task.get("backend"),
                                         bool(task.get("warm")))
    submission = task["submission"]
    if isinstance(submission, dict):
        path = unpack_tree(submission, scratch / "submission")
    else:
        path = Path(submission)
    stages = DEFAULT_STAGES
    if task.get("regrade_items") is not None and task.get("previous"):
        previous = SubmissionResult.model_validate_json(task["previous"])
        keep = _keep_previous(previous, frozenset(task["regrade_items"]))
        at = DEFAULT_STAGES.index(required_files) + 1
        stages = DEFAULT_STAGES[:at] + (keep,) + DEFAULT_STAGES[at:]
    result = run_pipeline(path, rubric=rubric, tests_dir=paths.tests_dir, backend=backend, stages=stages)
    if isinstance(submission, dict) and submission.get("name"):
        result = result.model_copy(update={"submission": submission["name"]})
    gave_up = task.get("warm") and getattr(backend, "warm", None) is False
    return result.model_dump_json(), backend.warm_problem if gave_up else None


def _keep_previous(previous: Any, regrade: frozenset[str]):  # type: ignore[no-untyped-def]
    def keep_previous_results(ctx: Any) -> None:
        current = {item.id for item in ctx.rubric.items}
        for item in previous.items:
            if item.id in current and item.id not in regrade and item.id not in ctx.results:
                ctx.results[item.id] = item

    return keep_previous_results


@functools.lru_cache(maxsize=8)
def _assignment(assignment: str, root: str | None, backend: str | None,  # type: ignore[no-untyped-def]
                warm: bool = False):
    """Rubric and backend, loaded once per worker process (a batch grades one assignment).

    The backend lives as long as the worker, so with ``warm`` its warm sandbox (torch imported
    once, ``grader.sandbox.zygote``) serves every submission the worker grades.
    """
    from grader.api import load_assignment
    from grader.sandbox import BwrapBackend, choose_backend

    paths, rubric = load_assignment(assignment, root=Path(root) if root else None)
    chosen = choose_backend(backend, forbidden_roots=(paths.root,))
    if warm and isinstance(chosen, BwrapBackend):
        chosen.warm = True
    _backends.append(chosen)
    return paths, rubric, chosen


#: every backend ``_assignment`` made in this process, so ``close`` can stop their warm sandboxes
_backends: list[Any] = []


def close() -> None:
    """Stop the warm sandboxes of this worker's backends (the pool worker calls it before it exits)."""
    for backend in _backends:
        backend.close()


# -- shipping files to another machine (Ray) ------------------------------------------


def pack_tree(path: Path, *, name: str | None = None) -> dict[str, Any]:
    """A file or folder as plain data: regular files with their bytes, links by target (never followed)."""
    path = Path(path)
    entries: list[dict[str, Any]] = []
    if path.is_dir() and not path.is_symlink():
        for child in sorted(path.rglob("*")):
            rel = child.relative_to(path).as_posix()
            entries.append(_entry(child, rel))
        kind = "folder"
    else:
        entries.append(_entry(path, path.name))
        kind = "file"
    return {"kind": kind, "name": name or path.name, "entries": entries}


def _entry(path: Path, rel: str) -> dict[str, Any]:
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return {"path": rel, "type": "link", "target": os.readlink(path)}
    if stat.S_ISDIR(mode):
        return {"path": rel, "type": "dir"}
    if stat.S_ISREG(mode):
        return {"path": rel, "type": "file", "data": base64.b64encode(path.read_bytes()).decode()}
    return {"path": rel, "type": "other"}


def unpack_tree(pack: dict[str, Any], dest: Path) -> Path:
    """Recreate a packed tree under ``dest``; returns the path to grade. Names are checked, not trusted."""
    dest.mkdir(parents=True, exist_ok=True)
    top = dest / _safe(pack["name"]) if pack["kind"] == "folder" else dest
    top.mkdir(parents=True, exist_ok=True)
    for entry in pack["entries"]:
        target = top / _safe(entry["path"])
        target.parent.mkdir(parents=True, exist_ok=True)
        if entry["type"] == "dir":
            target.mkdir(exist_ok=True)
        elif entry["type"] == "file":
            target.write_bytes(base64.b64decode(entry["data"]))
        elif entry["type"] == "link":
            os.symlink(entry["target"], target)  # intake refuses it, as it would have here
    return top if pack["kind"] == "folder" else top / _safe(pack["entries"][0]["path"])


def _safe(rel: str) -> str:
    parts = [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        raise ValueError(f"refusing the packed path {rel!r}")
    return "/".join(parts)


def pack_assignment(root: Path, assignment: str) -> dict[str, Any]:
    """The rubric and hidden tests a remote worker needs (not the reference, not the template)."""
    import hashlib
    import json

    rubric_dir = Path(root) / "rubrics" / assignment
    pack = pack_tree(rubric_dir, name=assignment)
    pack["assignment"] = assignment
    pack["digest"] = hashlib.sha256(json.dumps(pack, sort_keys=True).encode()).hexdigest()[:16]
    return pack


_unpacked: dict[str, Path] = {}


def _unpacked_assignment(pack: dict[str, Any]) -> Path:
    """Unpack the assignment once per worker process and content: ``<tmp>/rubrics/<id>/...``."""
    digest = pack["digest"]
    if digest not in _unpacked:
        root = Path(tempfile.mkdtemp(prefix=f"grader-assignment-{digest}-"))
        unpack_tree(pack, root / "rubrics")
        _unpacked[digest] = root
    return _unpacked[digest]
