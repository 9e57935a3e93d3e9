"""The package's public surface is pinned: a change to it is a deliberate decision."""

import grader


def test_public_api_is_pinned():
    assert sorted(grader.__all__) == sorted([
        "__version__", "grade", "validate", "write_outputs", "load_rubric", "Rubric", "RubricError",
        "SubmissionResult", "ItemResult", "ItemStatus", "Outcome",
    ])
    for name in grader.__all__:
        assert hasattr(grader, name)


def test_worker_package_imports_nothing_from_grader():
    """The worker is mounted alone into the sandbox: it must not reach for the rest of the package."""
    import pathlib
    import re

    worker = pathlib.Path(grader.__file__).parent / "worker"
    for path in worker.rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(from|import)\s+grader\b", text, re.M), path
