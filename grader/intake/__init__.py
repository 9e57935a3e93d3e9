"""Intake: a submission becomes a clean, hashed workspace, or a clear ``NotGradable``."""

from grader.intake.unpack import IntakeLimits, NotGradable, Workspace, prepare_workspace

__all__ = ["IntakeLimits", "NotGradable", "Workspace", "prepare_workspace"]
