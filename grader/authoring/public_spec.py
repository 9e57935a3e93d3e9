"""The public part of an assignment, shipped in the student template as ``.grader-assignment.json``.

``grader check`` and ``grader pack`` run on a student's laptop without the rubrics
folder: they read only this file. It holds what a student may know (file names,
items and their points, the "from scratch" rules, the interfaces they must keep,
which public tests and smoke runs exist) and nothing else: no hidden test, no
expected value.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_serializer

from grader.authoring.template import strip_solutions
from grader.checks.answers import load_answers
from grader.rubric.schema import ConstraintCheck, Rubric, SelfCheck, TestsCheck

__all__ = ["PublicSpec", "PublicItem", "Signature", "SPEC_FILE", "build_public_spec", "extract_signatures",
           "find_spec", "load_spec"]

SPEC_FILE = ".grader-assignment.json"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Signature(_Frozen):
    #: ``MLP.forward`` for a method, ``mse_loss`` for a function, ``MLP`` for a class
    name: str
    kind: str
    params: tuple[str, ...] = ()

    def render(self) -> str:
        return f"{self.name}({', '.join(self.params)})" if self.kind != "class" else f"class {self.name}"


class PublicItem(_Frozen):
    id: str
    title: str
    points: float
    kind: str
    files: tuple[str, ...] = ()
    extra_credit: bool = False


class PublicRule(_Frozen):
    item: str
    points: float
    check: ConstraintCheck

    @field_serializer("check")
    def _source_rules_only(self, check: ConstraintCheck) -> dict:
        """The rules read from the source; the hidden tests that look for evidence stay the grader's."""
        return check.model_dump(mode="json", exclude={"evidence_tests"})


class PublicSpec(_Frozen):
    assignment: str
    title: str
    total: float
    required_files: tuple[str, ...]
    items: tuple[PublicItem, ...]
    rules: tuple[PublicRule, ...]
    interfaces: dict[str, tuple[Signature, ...]]
    self_check: SelfCheck
    #: the answers file the student fills in, and the entries it must have (ids only, no answers)
    answers_file: str | None = None
    answer_keys: tuple[str, ...] = ()

    def points_needing(self, filename: str) -> float:
        """Points of the items that cannot be earned without ``filename``."""
        return sum(i.points for i in self.items if filename in i.files and not i.extra_credit)


def extract_signatures(source: str) -> tuple[Signature, ...]:
    """Public top-level functions and classes with their public methods, in file order."""
    tree = ast.parse(source)
    found: list[Signature] = []

    def params(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
        args = node.args
        names = [a.arg for a in args.posonlyargs + args.args]
        if args.vararg:
            names.append("*" + args.vararg.arg)
        names += [a.arg for a in args.kwonlyargs]
        if args.kwarg:
            names.append("**" + args.kwarg.arg)
        return tuple(names)

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            found.append(Signature(name=node.name, kind="function", params=params(node)))
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            found.append(Signature(name=node.name, kind="class"))
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                        not sub.name.startswith("_") or sub.name == "__init__"):
                    found.append(Signature(name=f"{node.name}.{sub.name}", kind="method", params=params(sub)))
    return tuple(found)


def build_public_spec(rubric: Rubric, reference: Path) -> PublicSpec:
    items = []
    for item in rubric.items:
        if item.needs:
            files = item.needs
        elif isinstance(item.check, ConstraintCheck):
            files = (item.check.file,)
        elif isinstance(item.check, TestsCheck):
            files = rubric.required_files  # hidden tests may touch any required file
        else:
            files = ()
        items.append(PublicItem(id=item.id, title=item.title, points=item.points, kind=item.check.kind,
                                files=tuple(files), extra_credit=item.extra_credit))
    rules = tuple(PublicRule(item=i.id, points=i.points, check=i.check)
                  for i in rubric.items if isinstance(i.check, ConstraintCheck))
    interfaces = {}
    for name in rubric.required_files:
        path = reference / name
        if name.endswith(".py") and path.is_file():
            # what the template gives the student: helpers inside a solution block are the reference's own
            stripped = strip_solutions(path.read_text(encoding="utf-8"), name)
            interfaces[name] = extract_signatures(stripped)
    answer_keys: tuple[str, ...] = ()
    if rubric.answers_file:
        answer_keys = tuple(load_answers(reference, rubric.answers_file, ids=[i.id for i in rubric.items]))
    return PublicSpec(assignment=rubric.assignment, title=rubric.title, total=rubric.total,
                      required_files=rubric.required_files, items=tuple(items), rules=rules,
                      interfaces=interfaces, self_check=rubric.self_check,
                      answers_file=rubric.answers_file, answer_keys=answer_keys)


def spec_json(spec: PublicSpec) -> str:
    return json.dumps(spec.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"


def find_spec(start: Path) -> Path | None:
    """The spec file in ``start`` or the nearest parent folder that has one."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / SPEC_FILE).is_file():
            return folder / SPEC_FILE
    return None


def load_spec(path: Path) -> PublicSpec:
    return PublicSpec.model_validate_json(path.read_text(encoding="utf-8"))
