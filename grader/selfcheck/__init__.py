"""The student's side: ``grader check`` before submitting and ``grader pack`` to submit."""

from grader.selfcheck.check import CheckLine, SelfCheckReport, run_self_check
from grader.selfcheck.pack import PackError, PackResult, pack_submission

__all__ = ["CheckLine", "SelfCheckReport", "run_self_check", "PackError", "PackResult", "pack_submission"]
