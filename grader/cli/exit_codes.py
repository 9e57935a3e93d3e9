"""Exit codes of the ``grader`` command: they say whether the *grader* worked, never the score."""

import enum

__all__ = ["ExitCode"]


class ExitCode(enum.IntEnum):
    OK = 0
    #: grading ran, but the submission was not gradable (a broken zip, no files)
    NOT_GRADABLE = 1
    #: the grader itself failed (a bug, a missing sandbox tool): an instructor must look
    GRADER_ERROR = 2
    #: the command was used wrongly (unknown assignment, bad rubric, bad flag)
    USAGE_ERROR = 3
    #: ``validate`` or ``template build --check`` found the assignment unsound; ``check`` found something to fix
    CHECK_FAILED = 4
    #: ``check``: nothing is broken, but parts are still unfinished (stubs, empty answers)
    UNFINISHED = 5
