"""dl-grader: grade deep-learning homework in a sandbox.

The public surface is small on purpose; everything else is private to the package::

    from grader import grade, validate
    result = grade("submission.zip", assignment="nyu-dl-hw1", out_dir="out")
    print(result.score, "/", result.max_score)
"""

from grader._version import __version__
from grader.api import grade, validate, write_outputs
from grader.results.models import ItemResult, ItemStatus, Outcome, SubmissionResult
from grader.rubric import Rubric, RubricError, load_rubric

__all__ = [
    "__version__",
    "grade",
    "validate",
    "write_outputs",
    "load_rubric",
    "Rubric",
    "RubricError",
    "SubmissionResult",
    "ItemResult",
    "ItemStatus",
    "Outcome",
]
