"""Run by Python at start-up inside the sandbox (this folder is on its ``PYTHONPATH``).

It installs the worker's compatibility hooks (``graderworker.compat``) before any student
code runs, in the worker and in every Python process the student's code starts. It must
never fail a start-up: a broken hook is reported on stderr and the process goes on.
"""

try:
    from graderworker import compat as _compat

    _compat.install()
except Exception as _error:  # pragma: no cover - reported, never fatal
    import sys as _sys

    print(f"grader: compatibility hooks not installed: {_error!r}", file=_sys.stderr)
