"""The report in a real browser: headless chromium renders it at phone and desktop width.

CI installs Debian's ``chromium``; there a missing browser fails the run, elsewhere
the test is skipped with the reason. Set ``GRADER_REPORT_SCREENSHOTS`` to a folder to
keep the screenshots (as CI artifacts, or to look at them).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_helpers import png_size

from grader.report import write_html_report
from grader.results.models import SubmissionResult

pytestmark = pytest.mark.browser

PHONE = (412, 915)
DESKTOP = (1280, 900)
_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    message = "chromium is not on PATH; install it with `apt-get install chromium`"
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{message} (CI is set, so the browser test may not be skipped)", pytrace=False)
    pytest.skip(message)


def _run(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}", *args,
    ]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=_TIMEOUT_S)
    assert done.returncode == 0, f"chromium failed ({done.returncode}):\n{done.stderr[-3000:]}"
    return done


def _screenshot(chromium: str, tmp: Path, page: Path, size: tuple[int, int]) -> Path:
    shot = tmp / f"shot-{size[0]}x{size[1]}.png"
    _run(chromium, tmp / "profile", f"--screenshot={shot}",
         f"--window-size={size[0]},{size[1]}", page.as_uri())
    _keep(shot)
    return shot


def _keep(shot: Path) -> None:
    folder = os.environ.get("GRADER_REPORT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(folder) / shot.name)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def _elements(dom: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every element of the serialized DOM with its attributes (values may hold '<')."""
    parser = _Elements()
    parser.feed(dom)
    return parser.found


def _text(dom: str) -> str:
    """The DOM's text with tags dropped and whitespace squeezed, for plain assertions."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_screenshot(chromium: str, graded: SubmissionResult, report_dir: Path,
                    tmp_path: Path, size: tuple[int, int]) -> None:
    page = write_html_report(graded, report_dir)
    shot = _screenshot(chromium, tmp_path, page, size)
    assert shot.is_file(), f"chromium wrote no screenshot at {shot}"
    assert shot.stat().st_size > 20_000, "the screenshot is nearly empty: did the page render?"
    assert png_size(shot) == size


def test_dom_has_score_and_titles(chromium: str, graded: SubmissionResult, report_dir: Path,
                                  tmp_path: Path) -> None:
    page = write_html_report(graded, report_dir)
    dom = _run(chromium, tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    text = _text(dom)
    assert re.search(r'id="score"[^>]*>\s*7\.5 / 12\s*<', dom), "score 7.5 / 12 not rendered"
    for item in graded.items:
        assert item.title in text, f"item title {item.title!r} missing from the rendered page"
    assert "To be graded by a TA" in text


def test_dom_has_no_script_from_student_text(chromium: str, hostile: SubmissionResult,
                                             tmp_path: Path) -> None:
    page = write_html_report(hostile, tmp_path / "report")
    dom = _run(chromium, tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    elements = _elements(dom)
    assert "script" not in [tag for tag, _ in elements], "student text became a <script> element"
    handlers = [(tag, name) for tag, attrs in elements for name in attrs if name.startswith("on")]
    assert handlers == [], f"event handler attributes were rendered: {handlers}"
    assert '&lt;script&gt;alert("pwned")&lt;/script&gt;' in dom
