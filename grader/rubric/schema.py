"""The rubric schema: one pydantic model per YAML section.

A rubric names the assignment, its total, the files a submission must hold, the
sandbox limits, and its items. Each item carries exactly one check, told apart by
its ``kind`` field. Unknown keys are errors (``extra="forbid"``) so a typo such as
``pionts:`` is reported with its line instead of silently ignored.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grader.sandbox.limits import Limits

__all__ = [
    "Rubric",
    "Item",
    "TestsCheck",
    "ConstraintCheck",
    "ManualCheck",
    "NotebookSettings",
    "ProvidedFile",
    "Check",
]


#: how an answer key starts in a note ("Key: ...", "Expect: ..."); it belongs in ``key:``
_KEY_IN_NOTE = re.compile(r"\b(?:Key|Expect|Expected answer)s?:")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TestsCheck(_Strict):
    """Hidden pytest tests run on the trusted side against the ``student`` proxy."""

    kind: Literal["tests"]
    #: test selectors relative to ``rubrics/<id>/tests``: ``file.py::name``; ``*`` globs allowed
    tests: tuple[str, ...] = Field(min_length=1)
    #: ``per_test``: points split evenly over the selected tests; ``all_or_nothing``: every test must pass
    scoring: Literal["per_test", "all_or_nothing"] = "all_or_nothing"


class ConstraintCheck(_Strict):
    """Static rules on how a file is written, checked from its source without running it."""

    kind: Literal["constraint"]
    file: str
    #: modules that may not be imported (a prefix: ``torch.nn`` also forbids ``torch.nn.functional``)
    forbid_imports: tuple[str, ...] = ()
    #: dotted names that may not be used, resolved through import aliases (``nn.Linear`` -> ``torch.nn.Linear``)
    forbid_names: tuple[str, ...] = ()
    #: attribute names that may not appear at all (``requires_grad``, ``grad_fn``)
    forbid_attributes: tuple[str, ...] = ()
    #: method calls forbidden unless called on ``self`` (``backward`` on a tensor)
    forbid_method_calls: tuple[str, ...] = ()
    #: points only when these items earned points: following the rules with code that
    #: does nothing (the untouched template) earns nothing
    only_if_earned: tuple[str, ...] = ()
    #: hidden tests that look for the rule being broken at run time. Evidence only: the source
    #: decides the rule; a failing evidence test costs the rule's points (its message says what
    #: was seen), a passing one grants nothing (code in the student's process can hide)
    evidence_tests: tuple[str, ...] = ()


class ManualCheck(_Strict):
    """A written answer for the TA; scored by hand and merged later."""

    kind: Literal["manual"]
    #: where the student's answer lives (a file of the submission), shown beside the note
    answer_file: str | None = None
    #: the entry of the rubric's ``answers_file`` holding this answer (shown to the TA beside the note)
    answer_key: str | None = None
    #: words of the grading note highlighted in the student's answer for the TA
    keywords: tuple[str, ...] = ()


Check = Annotated[Union[TestsCheck, ConstraintCheck, ManualCheck], Field(discriminator="kind")]


class NotebookSettings(_Strict):
    """How a notebook submission is run before its items are checked."""

    #: the notebook of the submission (one of ``required_files``)
    file: str = Field(pattern=r"\.ipynb$")
    #: seconds one cell may run before it is stopped (its index is named in the message)
    cell_timeout_s: float = Field(default=120, gt=0)
    #: go on after a cell raises (later cells and the items that do not need it still count)
    allow_errors: bool = True


class ProvidedFile(_Strict):
    """A helper file the course hands out: graded with the grader's own copy, whatever was submitted."""

    #: where the file lives in the submission (``siren_utils.py``, ``psthree/utils.py``)
    file: str = Field(min_length=1)
    #: the grader's copy, relative to the rubric's folder (``provided/siren_utils.py``)
    source: str = Field(min_length=1)
    #: why the grader provides it, for the report ("the course provides it unchanged")
    why: str = ""


class SmokeRun(_Strict):
    """A quick run of a training entry point for ``grader check`` (seconds, not a real training)."""

    name: str
    #: the command, run in the student's folder inside the sandbox (``python`` is the grader's interpreter)
    command: tuple[str, ...] = Field(min_length=1)
    timeout_s: float = Field(default=60, gt=0)


class SelfCheck(_Strict):
    """What the student's ``grader check`` and ``grader pack`` may know: nothing secret."""

    #: test files shipped in the template that students run themselves
    public_tests: tuple[str, ...] = ()
    smoke: tuple[SmokeRun, ...] = ()
    #: files packed beside the required ones when present (answers, plots)
    pack_extra: tuple[str, ...] = ()
    #: files above this size make ``grader pack`` warn (datasets, checkpoints)
    max_file_mb: float = Field(default=5, gt=0)


class Item(_Strict):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    points: float = Field(ge=0)
    #: the grading note this item encodes, quoted from the homework text (or ours, said so)
    note: str = ""
    #: why this many points (the homework text gives none for some parts)
    points_reason: str = ""
    extra_credit: bool = False
    #: files the item needs; missing ones fail this item with a clear message
    needs: tuple[str, ...] = ()
    #: TA-only: the answer key ("impossible: the slope of a ReLU net is bounded"); shown in the
    #: manual-grading export and instructor views, never in a student-facing output
    key: str = ""
    check: Check

    @model_validator(mode="after")
    def _no_key_in_the_note(self) -> "Item":
        found = _KEY_IN_NOTE.search(self.note)
        if found:
            raise ValueError(f"item {self.id}: the note holds an answer key ({found.group(0)!r}); notes are shown "
                             f"to students: move the key into the item's `key:` field (TA-only)")
        return self


class Rubric(_Strict):
    assignment: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    total: float = Field(gt=0)
    required_files: tuple[str, ...] = ()
    limits: Limits = Limits()
    #: the base seed; each test's seed is derived from it and the test's id
    seed: int = 0
    #: the submission's answers file (YAML keyed by item id, Markdown sections, or a notebook);
    #: hidden tests read it through the ``answers`` fixture, manual items show it to the TA
    answers_file: str | None = None
    #: datasets whose sandbox-visible files the worker may read, under ``/data/<name>/``
    datasets: tuple[str, ...] = ()
    #: for a homework submitted as a notebook: which file, per-cell timeout, errors allowed
    notebook: NotebookSettings | None = None
    #: other names a file had in some offering of the course (``gd.py: [sgd.py]``): a submission
    #: holding an alias and not the file is graded with the alias renamed, and the report says so
    aliases: dict[str, tuple[str, ...]] = {}
    #: the course's helper files, replaced by the grader's copies before anything runs
    provided: tuple[ProvidedFile, ...] = ()
    self_check: SelfCheck = SelfCheck()
    items: tuple[Item, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _points_add_up(self) -> "Rubric":
        ids = [item.id for item in self.items]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"item ids must be unique; repeated: {', '.join(duplicates)}")
        _check_datasets(self.datasets)
        _check_aliases(self.aliases, self.required_files)
        if self.notebook is not None and self.notebook.file not in self.required_files:
            raise ValueError(f"notebook.file {self.notebook.file!r} must be one of required_files "
                             f"{list(self.required_files)}")
        for item in self.items:
            if isinstance(item.check, ManualCheck) and item.check.answer_key and not self.answers_file:
                raise ValueError(f"item {item.id}: answer_key needs the rubric's answers_file (e.g. answers.yaml)")
            if isinstance(item.check, ConstraintCheck):
                unknown = [i for i in item.check.only_if_earned if i not in ids]
                if unknown:
                    raise ValueError(f"item {item.id}: only_if_earned names unknown items {unknown}; known: {ids}")
        regular = sum(item.points for item in self.items if not item.extra_credit)
        if abs(regular - self.total) > 1e-9:
            raise ValueError(
                f"items' points add up to {regular:g} but total is {self.total:g}; "
                "fix an item's points or the total (extra-credit items do not count)"
            )
        return self

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        known = ", ".join(i.id for i in self.items)
        raise KeyError(f"no item {item_id!r} in rubric {self.assignment}; known: {known}")


def _check_aliases(aliases: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> None:
    seen: dict[str, str] = {}
    for name, others in aliases.items():
        if name not in required:
            raise ValueError(f"aliases: {name!r} is not one of required_files {list(required)}")
        for other in others:
            if other in required or other in seen:
                raise ValueError(f"aliases: {other!r} cannot stand for {name!r}: it is "
                                 + ("a required file itself" if other in required else f"already an alias of {seen[other]!r}"))
            seen[other] = name


def _check_datasets(names: tuple[str, ...]) -> None:
    import difflib

    from grader.datasets.registry import dataset_names

    known = dataset_names()
    for name in names:
        if name not in known:
            hint = difflib.get_close_matches(name, known, n=1)
            also = f"; did you mean {hint[0]!r}?" if hint else ""
            raise ValueError(f"unknown dataset {name!r}{also} (known: {', '.join(known)})")
