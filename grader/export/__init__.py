"""Exports of a whole assignment for other platforms (``grader export gradescope <id>``)."""

from grader.export.gradescope import build_autograder_zip

__all__ = ["build_autograder_zip"]
