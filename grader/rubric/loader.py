"""Load a rubric YAML file into a validated ``Rubric``, with file:line in every error.

ruamel.yaml keeps the line of each mapping key and sequence entry; a pydantic error
location (``items.3.check.tests``) is walked through the parsed document to find the
line that holds the offending key. Unknown keys get a "did you mean" suggestion.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from grader.rubric.schema import ConstraintCheck, Item, ManualCheck, Rubric, TestsCheck

__all__ = ["RubricError", "load_rubric"]


class RubricError(ValueError):
    """A rubric that cannot be used; ``str()`` lists each problem as ``file:line: message``."""

    def __init__(self, path: Path, problems: list[tuple[int | None, str]]):
        self.path = path
        self.problems = problems
        lines = [f"{path}:{line}: {message}" if line else f"{path}: {message}" for line, message in problems]
        super().__init__("\n".join(lines))


def _line_of(document: Any, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest part of ``loc`` found in the ruamel document."""
    node, line = document, None
    for key in loc:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(key, int) and isinstance(node, list):
                if lc is not None:
                    line = lc.item(key)[0] + 1
                node = node[key]
            elif isinstance(node, dict) and key in node:
                if lc is not None:
                    line = lc.key(key)[0] + 1
                node = node[key]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    if line is None and getattr(document, "lc", None) is not None:
        line = document.lc.line + 1
    return line


_MODELS: dict[str, type[BaseModel]] = {
    "items": Item, "check": TestsCheck, "limits": Rubric.model_fields["limits"].annotation,  # type: ignore[dict-item]
}


def _suggest(loc: tuple[Any, ...], key: str) -> str:
    """'did you mean' for an unknown key, from the fields of the model that owns it."""
    owner: type[BaseModel] = Rubric
    for part in loc[:-1]:
        if isinstance(part, str) and part in _MODELS:
            owner = _MODELS[part]
    fields: set[str] = set(owner.model_fields)
    if owner is TestsCheck:
        fields |= set(ConstraintCheck.model_fields) | set(ManualCheck.model_fields)
    close = difflib.get_close_matches(key, sorted(fields), n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; allowed here: {', '.join(sorted(fields))}"


def load_rubric(path: Path) -> Rubric:
    """Parse and validate ``path``; raise ``RubricError`` naming the file and line of each problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RubricError(path, [(None, "no such rubric file")]) from None
    try:
        document = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise RubricError(path, [((mark.line + 1) if mark else None, f"not valid YAML: {exc.problem or exc}")]) from None
    if not isinstance(document, dict):
        raise RubricError(path, [(1, "a rubric must be a YAML mapping with assignment, title, total and items")])
    try:
        return Rubric.model_validate(_plain(document))
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = _clean_loc(tuple(error["loc"]))
            where = ".".join(str(p) for p in loc) or "(top level)"
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                message = f"unknown key {loc[-1]!r}" + _suggest(loc, str(loc[-1]))
            elif error["type"] == "missing":
                message = f"missing required key {loc[-1]!r}"
            elif error["type"] == "union_tag_invalid":
                message = f"unknown check kind; use one of: tests, constraint, manual ({message})"
            problems.append((_line_of(document, loc), f"{where}: {message}"))
        raise RubricError(path, problems) from None


_CHECK_KINDS = ("tests", "constraint", "manual")


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the discriminator pydantic inserts after ``check`` (``check.tests.pionts`` -> ``check.pionts``)."""
    out: list[Any] = []
    for part in loc:
        if out and out[-1] == "check" and part in _CHECK_KINDS:
            continue
        out.append(part)
    return tuple(out)


def _plain(node: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists (pydantic wants plain data)."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node
