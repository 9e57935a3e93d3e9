"""Output formats of one graded submission for people: the HTML page and the terminal table.

``results.json`` for Gradescope lives in :mod:`grader.results.gradescope`. Every
format is rendered from a frozen :class:`~grader.results.models.SubmissionResult`
and never writes back into it.
"""

from grader.report.html import render_html, write_html_report
from grader.report.terminal import print_summary

__all__ = ["print_summary", "render_html", "write_html_report"]
