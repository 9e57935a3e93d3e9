"""Notebook submissions: validation on the trusted side, execution in the sandbox, the run's record.

::

    validate.load_notebook(path)        nbformat, size and JSON checks -> LoadedNotebook
    execute.NotebookExecutor(plan)      given to WorkerSession(notebook=...): each new worker
                                        runs the code cells before it answers the hidden tests
    execute.execute_notebook(session)   the first run -> NotebookRun (cells, outputs, timings)
    stage.notebook_stage(ctx)           the pipeline stage tying these together

The worker side is ``grader/worker/notebook.py``; the report side ``grader/report/notebook_html.py``.
"""

from grader.notebooks.execute import NotebookExecutor, NotebookPlan, NotebookRun, execute_notebook
from grader.notebooks.validate import LoadedNotebook, NotebookInvalid, find_notebook, load_notebook

__all__ = ["LoadedNotebook", "NotebookExecutor", "NotebookInvalid", "NotebookPlan", "NotebookRun",
           "execute_notebook", "find_notebook", "load_notebook"]
