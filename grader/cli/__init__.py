"""The ``grader`` command: thin typer wrappers over keyword-only Python functions."""
