"""The student's answers file: written and numeric answers keyed by rubric item id.

A rubric names it (``answers_file: answers.yaml``). Three formats, all read on the
trusted side as *data* (never executed):

- YAML: a mapping whose keys are item ids (``"1.4": {w0: [[1, -1]]}``, ``"2.2": "w*x"``,
  ``"1.5": |`` prose). Keys are kept as written (``2.10`` stays ``"2.10"``, not ``2.1``);
  aliases are refused (they can make a tiny file expand into a huge structure).
- Markdown: sections ``## <id> anything``; each value is the section's text.
- A notebook (``.ipynb``): markdown cells whose first line is a heading ``## <id> ...``.

In Markdown and notebooks, when the rubric's item ids are given, only a heading naming
one of them starts a section (``### Part (a)`` inside an answer stays part of it).

A file that is missing or unreadable does not stop grading: every item that asks for an
answer then fails with the reason, and items that do not need answers are untouched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Answers", "AnswerMissing", "load_answers", "MAX_ANSWERS_BYTES"]

#: an answers file larger than this is refused (answers are text and small numbers)
MAX_ANSWERS_BYTES = 1 << 20
_SHOWN_KEYS = 12
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<id>[^\s#]+?)[:.]?(?:[ \t]+.*)?$")


class AnswerMissing(AssertionError):
    """An item asked for an answer the student did not give; the message says what to add."""


@dataclass(frozen=True)
class Answers(Mapping[str, Any]):
    """The answers found in a submission, by item id; empty with ``problem`` set when unreadable."""

    source: str
    values: Mapping[str, Any] = field(default_factory=dict)
    #: why the file could not be used ("answers.yaml is missing"); "" when it was read
    problem: str = ""

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def require(self, key: str) -> Any:
        """The answer for ``key``; raises ``AnswerMissing`` (a failed check) with what to add."""
        if self.problem:
            raise AnswerMissing(f"No answer for {key}: {self.problem}")
        if key not in self.values:
            shown = sorted(self.values)[:_SHOWN_KEYS]
            more = f", ... ({len(self.values)} in all)" if len(self.values) > _SHOWN_KEYS else ""
            known = ", ".join(shown) + more if shown else "none"
            raise AnswerMissing(f"Your {self.source} has no entry for {key!r} (entries found: {known}). "
                                f"Add an entry keyed \"{key}\".")
        value = self.values[key]
        if value is None or (isinstance(value, str) and not value.strip()):
            raise AnswerMissing(f"The entry {key!r} of your {self.source} is empty: write your answer there.")
        return value

    def text(self, key: str) -> str:
        """The answer as text for a person to read ("" when there is none)."""
        value = self.values.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        return yaml.safe_dump(value, default_flow_style=None, sort_keys=False).strip()


def load_answers(workspace: Path, filename: str, ids: Iterable[str] | None = None) -> Answers:
    """Read ``filename`` from the submission's workspace; never raises for what the file holds."""
    known = frozenset(ids) if ids is not None else None
    path = workspace / filename
    if path.is_symlink() or not path.is_file():
        return Answers(filename, problem=f"your submission has no {filename}")
    size = path.stat().st_size
    if size > MAX_ANSWERS_BYTES:
        return Answers(filename, problem=f"{filename} is {size // 1024} KiB; answers files are limited to "
                                         f"{MAX_ANSWERS_BYTES // 1024} KiB")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return Answers(filename, problem=f"{filename} is not UTF-8 text (byte {exc.start})")
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            values = _from_yaml(text)
        elif suffix == ".ipynb":
            values = _from_notebook(text, known)
        else:
            values = _from_markdown(text, known)
    except _Unreadable as exc:
        return Answers(filename, problem=f"{filename} could not be read: {exc}")
    except (RecursionError, MemoryError):  # deep JSON in a notebook, or any parser's own recursion
        return Answers(filename, problem=f"{filename} could not be read: it is nested too deeply "
                                         f"(at most {MAX_ANSWER_DEPTH} levels)")
    return Answers(filename, values)


#: how deep an answer's lists and mappings may nest (a real answer uses two or three levels)
MAX_ANSWER_DEPTH = 32


class _Unreadable(ValueError):
    pass


class _AnswersLoader(yaml.SafeLoader):
    """Safe YAML with keys kept as written, no aliases, and at most ``MAX_ANSWER_DEPTH`` levels."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Unreadable(f"line {event.start_mark.line + 1}: aliases (*name) are not allowed in answers")
        if self._depth >= MAX_ANSWER_DEPTH:
            event = self.peek_event()
            raise _Unreadable(f"line {event.start_mark.line + 1}: nested more than {MAX_ANSWER_DEPTH} levels deep")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_mapping(loader: _AnswersLoader, node: yaml.MappingNode) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise _Unreadable(f"line {key_node.start_mark.line + 1}: a key must be a plain id such as \"1.4\"")
        result[str(key_node.value)] = loader.construct_object(value_node, deep=True)
    return result


_AnswersLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _from_yaml(text: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_AnswersLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise _Unreadable(f"{where}{exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise _Unreadable(str(exc)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _Unreadable("it must be a mapping of item ids to answers (\"1.4: ...\"), "
                          f"not a {type(data).__name__}")
    return data


def _section_id(line: str, known: frozenset[str] | None) -> str | None:
    heading = _HEADING.match(line)
    if heading is None or (known is not None and heading.group("id") not in known):
        return None
    return heading.group("id")


def _from_markdown(text: str, known: frozenset[str] | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    current: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        section = _section_id(line, known)
        if section is not None:
            if current is not None:
                values[current] = "\n".join(lines).strip()
            current, lines = section, []
        elif current is not None:
            lines.append(line)
    if current is not None:
        values[current] = "\n".join(lines).strip()
    return values


def _from_notebook(text: str, known: frozenset[str] | None) -> dict[str, Any]:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"not JSON (line {exc.lineno}: {exc.msg})") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise _Unreadable("not a notebook (no list of cells)")
    values: dict[str, Any] = {}
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        first, _, rest = source.strip().partition("\n")
        section = _section_id(first, known)
        if section is not None:
            values[section] = rest.strip()
    return values
