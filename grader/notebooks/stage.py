"""The pipeline's notebook stage: validate the submitted notebook, run it in the sandbox once,
and hand the live session (whose namespace is the notebook's) to the hidden tests.

A notebook assignment is one whose rubric has a ``notebook:`` section (or, without one,
names a ``.ipynb`` file in ``required_files`` or as its ``answers_file``); a submission may
name its notebook differently when it holds only one. Cells run with the section's
``cell_timeout_s`` (else ``limits.call_s``); with ``allow_errors`` (the default) a failing
cell does not stop the others, so the parts that do not need it are still graded. Each
failed cell becomes a warning with its index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.checks.session import WorkerSession
from grader.notebooks.execute import NotebookExecutor, NotebookPlan, NotebookRun, execute_notebook
from grader.notebooks.validate import NotebookInvalid, find_notebook, load_notebook

if TYPE_CHECKING:
    from grader.pipeline import GradingContext
    from grader.results.models import NotebookRecord
    from grader.rubric.schema import Rubric

__all__ = ["NotebookState", "notebook_file", "prepare_notebook"]


@dataclass
class NotebookState:
    """The notebook's live session (its worker is the student's namespace) and its first run."""

    session: WorkerSession
    run: NotebookRun

    def record(self) -> "NotebookRecord":
        return self.run.record()


def notebook_file(rubric: "Rubric") -> str | None:
    """The notebook a rubric expects, or None when the assignment is not a notebook."""
    if rubric.notebook is not None:
        return rubric.notebook.file
    for name in (*rubric.required_files, rubric.answers_file or ""):
        if name.endswith(".ipynb"):
            return name
    return None


def prepare_notebook(ctx: "GradingContext") -> NotebookState | None:
    """Run the notebook; sets ``ctx.not_gradable`` when it is not a notebook at all."""
    expected = notebook_file(ctx.rubric)
    if expected is None or ctx.workspace is None:
        return None
    try:
        path = find_notebook(ctx.workspace.path, expected)
        notebook = load_notebook(path)
    except NotebookInvalid as exc:
        ctx.not_gradable = str(exc)
        return None
    limits, settings = ctx.rubric.limits, ctx.rubric.notebook
    plan = NotebookPlan(notebook=notebook,
                        cell_timeout_s=settings.cell_timeout_s if settings else limits.call_s,
                        allow_errors=settings.allow_errors if settings else True)
    session = WorkerSession(ctx.backend, ctx.workspace.path, limits, ctx.ro_binds, notebook=NotebookExecutor(plan))
    run = execute_notebook(session)
    ctx.warnings.extend(f"Notebook: {line}" for line in run.summary())
    if session.death_causes:
        ctx.warnings.extend(f"The worker running your notebook stopped: {c}" for c in session.death_causes)
    ctx.notes.extend(n for n in session.compat_notes if n not in ctx.notes)  # Colab lines skipped, ...
    return NotebookState(session=session, run=run)
