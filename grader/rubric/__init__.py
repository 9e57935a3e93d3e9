"""Rubrics: the YAML schema (pydantic) and a loader that reports file:line for every error."""

from grader.rubric.loader import RubricError, load_rubric
from grader.rubric.schema import ConstraintCheck, Item, ManualCheck, Rubric, TestsCheck

__all__ = ["RubricError", "load_rubric", "Rubric", "Item", "TestsCheck", "ConstraintCheck", "ManualCheck"]
