"""Generate ``student_template/<id>/`` from ``reference/<id>/`` by stripping solution blocks.

In a reference ``.py`` file, the lines from ``# BEGIN SOLUTION`` to ``# END SOLUTION``
(inclusive) become one line at the block's indentation::

    raise NotImplementedError("MLP.forward: write this part")

or, when the marker says what to leave (``# BEGIN SOLUTION: return None``), that line.
YAML files (an answers file) use the same markers; there a block without a stub is
simply dropped, so ``"1.4": ...`` answers vanish and their keys stay as the stub says.
A notebook (``.ipynb``) is stripped cell by cell (``grader.notebooks.template``): cells
tagged ``solution`` and marked blocks go, the markdown stays. Other files are copied as they are. The output is deterministic, so ``--check`` can
compare it byte for byte with the committed template (CI fails when it is stale).
Generated files (the public spec ``.grader-assignment.json`` that ``grader check``
reads, a student README, a CI workflow) are passed in as ``extras``.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TemplateError", "strip_solutions", "build_template", "template_drift"]

_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?::\s*(?P<keep>.*\S))?\s*$")
_END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
_DEF = re.compile(r"^(?P<indent>[ \t]*)(?:async\s+)?(?P<kind>def|class)\s+(?P<name>\w+)")
_YAML_SUFFIXES = {".yaml", ".yml"}
_SKIP = {"__pycache__", ".pytest_cache", ".benchmarks", ".ipynb_checkpoints", "results", ".DS_Store"}


class TemplateError(ValueError):
    """A reference file whose solution markers do not pair up (file:line in the message)."""


def _enclosing_name(lines: list[str], index: int, indent: int) -> str:
    """``Class.method`` of the definition that holds line ``index`` (for the stub's message)."""
    names: list[str] = []
    want = indent
    for line in reversed(lines[:index]):
        match = _DEF.match(line)
        if match and len(match.group("indent")) < want:
            names.append(match.group("name"))
            want = len(match.group("indent"))
            if want == 0:
                break
    return ".".join(reversed(names))


def strip_solutions(source: str, filename: str = "<file>", *, python: bool = True) -> str:
    """The student version of one reference source file (``python=False``: a YAML file)."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        begin = _BEGIN.match(lines[i])
        if not begin:
            if _END.match(lines[i]):
                raise TemplateError(f"{filename}:{i + 1}: '# END SOLUTION' without a matching BEGIN")
            out.append(lines[i])
            i += 1
            continue
        start = i
        i += 1
        while i < len(lines) and not _END.match(lines[i]):
            if _BEGIN.match(lines[i]):
                raise TemplateError(f"{filename}:{i + 1}: nested '# BEGIN SOLUTION' (block opened at line {start + 1})")
            i += 1
        if i == len(lines):
            raise TemplateError(f"{filename}:{start + 1}: '# BEGIN SOLUTION' is never closed")
        indent = begin.group("indent")
        keep = begin.group("keep")
        if keep is None and not python:
            i += 1  # past END: the block leaves nothing
            continue
        if keep is None:
            if not indent:
                raise TemplateError(f"{filename}:{start + 1}: a module-level solution block needs a stub: "
                                    "'# BEGIN SOLUTION: NAME = None'")
            where = _enclosing_name(lines, start, len(indent)) or "this part"
            keep = f'raise NotImplementedError("{where}: write this part")'
        out.append(f"{indent}{keep}\n")
        i += 1  # past END
    return "".join(out)


@dataclass(frozen=True)
class _Planned:
    relative: Path
    content: bytes


def _plan(reference: Path, extras: dict[str, str]) -> list[_Planned]:
    planned = []
    for path in sorted(reference.rglob("*")):
        rel = path.relative_to(reference)
        if any(part in _SKIP for part in rel.parts) or not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".py":
            data = strip_solutions(data.decode("utf-8"), str(rel)).encode("utf-8")
        elif path.suffix in _YAML_SUFFIXES:
            data = strip_solutions(data.decode("utf-8"), str(rel), python=False).encode("utf-8")
        elif path.suffix == ".ipynb":
            from grader.notebooks.template import strip_notebook

            data = strip_notebook(data.decode("utf-8"), str(rel)).encode("utf-8")
        planned.append(_Planned(rel, data))
    shipped = {item.relative for item in planned}
    planned += [_Planned(Path(name), text.encode()) for name, text in sorted(extras.items())
                if Path(name) not in shipped]
    return planned


def build_template(reference: Path, template: Path, extras: dict[str, str] | None = None) -> list[Path]:
    """Write the template; returns the files written. Old files not in the plan are removed.

    ``extras`` are generated files (name -> text); a reference file of the same name wins.
    """
    planned = _plan(reference, extras or {})
    if template.exists():
        shutil.rmtree(template)
    written = []
    for item in planned:
        target = template / item.relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.content)
        written.append(item.relative)
    return written


def template_drift(reference: Path, template: Path, extras: dict[str, str] | None = None) -> list[str]:
    """What differs between the committed template and a fresh build (empty when fresh)."""
    planned = {item.relative: item.content for item in _plan(reference, extras or {})}
    existing = {p.relative_to(template) for p in template.rglob("*") if p.is_file()
                and not any(part in _SKIP for part in p.relative_to(template).parts)} if template.exists() else set()
    problems = [f"missing: {rel}" for rel in sorted(set(planned) - existing)]
    problems += [f"extra: {rel}" for rel in sorted(existing - set(planned))]
    for rel in sorted(set(planned) & existing):
        if (template / rel).read_bytes() != planned[rel]:
            problems.append(f"stale: {rel}")
    return problems

