"""Run a submitted notebook in the sandbox, cell by cell, from the trusted side.

The worker (``graderworker.notebook``) runs each code cell in one IPython namespace and
answers with the cell's outputs as data. This side sends one request per cell with a
deadline of the cell timeout plus a grace: the worker's own timer stops a cell that runs
too long (an ``error`` output naming the cell), and a cell that ignores it (or kills the
worker) is stopped by the deadline; the worker is then restarted, the cells before it run
again, and that cell is skipped. After a worker death during the hidden tests, the next
worker runs the notebook again the same way before answering (``NotebookExecutor.start``
is called by ``WorkerSession.ensure_worker``).

What the first run saw is the ``NotebookRun`` the report shows: every cell with its
status, outputs and time, and the time split into kernel start and execution.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.notebooks.outputs import clean_outputs
from grader.notebooks.validate import LoadedNotebook, NotebookCell
from grader.results.models import NotebookCellResult, NotebookRecord

if TYPE_CHECKING:
    from grader.checks.session import WorkerSession

__all__ = ["NotebookPlan", "NotebookRun", "NotebookExecutor", "execute_notebook"]

#: beyond the cell timeout, how long the trusted side waits before it kills the worker
KILL_GRACE_S = 10.0


@dataclass(frozen=True)
class NotebookPlan:
    """How to run one notebook: its cells, the per-cell timeout, and whether errors stop the run."""

    notebook: LoadedNotebook
    cell_timeout_s: float
    allow_errors: bool = True


@dataclass(frozen=True)
class NotebookRun:
    name: str
    cells: tuple[NotebookCellResult, ...]
    #: sandbox + Python + IPython start, before the first cell
    kernel_start_s: float
    #: all the code cells of the first run
    execution_s: float
    allow_errors: bool = True

    @property
    def failed(self) -> tuple[NotebookCellResult, ...]:
        return tuple(c for c in self.cells if c.status in ("error", "timeout", "killed"))

    def section(self, heading: str) -> tuple[NotebookCellResult, ...]:
        """The cells under the markdown heading that starts with ``heading`` (up to the next heading
        of the same or a higher level): how a rubric finds "the plots of 4(c)"."""
        start, level = None, 0
        for position, cell in enumerate(self.cells):
            line = cell.source.lstrip().split("\n", 1)[0] if cell.kind == "markdown" else ""
            hashes = len(line) - len(line.lstrip("#"))
            if start is None and hashes and line.lstrip("#").strip().startswith(heading):
                start, level = position + 1, hashes
            elif start is not None and hashes and hashes <= level:
                return self.cells[start:position]
        return self.cells[start:] if start is not None else ()

    def images(self, cells: tuple[NotebookCellResult, ...] | None = None) -> list[str]:
        """Base64 PNG/JPEG images shown by ``cells`` (all cells by default)."""
        found = []
        for cell in self.cells if cells is None else cells:
            for output in cell.outputs:
                data = output.get("data", {})
                found.extend(data[m] for m in ("image/png", "image/jpeg") if m in data)
        return found

    def record(self) -> NotebookRecord:
        """The frozen result model the report and ``result.json`` carry."""
        return NotebookRecord(name=self.name, kernel_start_s=self.kernel_start_s, execution_s=self.execution_s,
                              cells=self.cells)

    def summary(self) -> list[str]:
        """One line per failed cell, for the submission's warnings."""
        return [c.message for c in self.failed]


@dataclass
class NotebookExecutor:
    """Runs ``plan`` on each new worker of a session; records the first run."""

    plan: NotebookPlan
    #: cells that killed a worker: skipped on later runs
    fatal: dict[int, str] = field(default_factory=dict)
    recorded: dict[int, NotebookCellResult] = field(default_factory=dict)
    runs: int = 0
    kernel_start_s: float = 0.0
    execution_s: float = 0.0
    _stopped_at: int | None = None
    _spawned_at: float | None = None

    def start(self, session: "WorkerSession") -> None:
        """Run the notebook's code cells in the session's fresh worker (called by ``ensure_worker``)."""
        from grader.checks.session import STARTUP_S, WorkerDied

        self.runs += 1
        session.raw_request({"type": "nb_start"}, timeout=STARTUP_S, what="starting the notebook's shell")
        began = time.perf_counter()
        if self.runs == 1 and self._spawned_at is not None:
            self.kernel_start_s = began - self._spawned_at
        timeout = self.plan.cell_timeout_s
        try:
            for cell in self.plan.notebook.code_cells:
                if cell.index in self.fatal:
                    continue
                if self._stopped_at is not None and cell.index > self._stopped_at:
                    break
                try:
                    reply = session.raw_request(
                        {"type": "nb_cell", "index": cell.index, "source": cell.source, "timeout_s": timeout},
                        timeout=timeout + KILL_GRACE_S, what=f"running notebook cell {cell.index}")
                except WorkerDied as exc:
                    self.fatal[cell.index] = exc.cause
                    self._record(cell, {"status": "killed", "outputs": []}, exc.cause)
                    raise
                self._record(cell, reply if isinstance(reply, dict) else {}, "")
                if self.recorded[cell.index].status != "ok" and not self.plan.allow_errors:
                    self._stopped_at = cell.index
        finally:
            if self._spawned_at is not None:  # the first run (and its retries), not a rerun after a death
                self.execution_s += time.perf_counter() - began

    def _record(self, cell: NotebookCell, reply: dict, cause: str) -> None:
        if cell.index in self.recorded:
            return
        status = str(reply.get("status", "error"))
        if status not in ("ok", "error", "timeout", "killed"):
            status = "error"
        outputs = tuple(clean_outputs(reply.get("outputs")))
        duration = reply.get("duration_s")
        message = ""
        if status == "killed":
            message = f"cell {cell.index} stopped the worker: {cause}"
        elif status != "ok":
            error = next((o for o in outputs if o["output_type"] == "error"), None)
            if status == "timeout":
                message = error["evalue"] if error else f"cell {cell.index} ran past its time limit"
            else:
                what = f"{error['ename']}: {error['evalue']}" if error else "an error"
                message = f"cell {cell.index} raised {what}"[:500]
        self.recorded[cell.index] = NotebookCellResult(
            index=cell.index, kind="code", source=cell.source, status=status, outputs=outputs,
            duration_s=round(float(duration), 3) if isinstance(duration, (int, float)) else 0.0, message=message)

    def result(self) -> NotebookRun:
        cells = []
        for cell in self.plan.notebook.cells:
            if cell.kind != "code":
                cells.append(NotebookCellResult(index=cell.index, kind=cell.kind, source=cell.source))
            else:
                cells.append(self.recorded.get(cell.index) or NotebookCellResult(
                    index=cell.index, kind="code", source=cell.source, status="not run",
                    message=f"cell {cell.index} was not run"))
        return NotebookRun(name=self.plan.notebook.name, cells=tuple(cells),
                           kernel_start_s=round(self.kernel_start_s, 3), execution_s=round(self.execution_s, 3),
                           allow_errors=self.plan.allow_errors)


def execute_notebook(session: "WorkerSession") -> NotebookRun:
    """Start the session's worker, which runs the notebook; go on past cells that kill it."""
    from grader.checks.session import WorkerDied

    executor = session.notebook
    assert executor is not None, "the session has no notebook"
    executor._spawned_at = time.perf_counter()
    try:
        while True:
            blamed = len(executor.fatal)
            try:
                session.ensure_worker()
                break
            except WorkerDied:
                # no new cell was to blame (the worker could not start, or too many deaths) or the
                # budget is spent: stop; otherwise run again, skipping the cell that killed it
                if len(executor.fatal) == blamed or session.budget_spent():
                    break
    finally:
        executor._spawned_at = None
    return executor.result()
