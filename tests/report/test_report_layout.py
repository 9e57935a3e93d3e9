"""The report's layout in headless chromium at a phone's 390 px and a desktop's 1280 px.

A copy of the written page gets a measuring script (the real page has a CSP that allows
none) and is shown in an iframe exactly that wide (headless chromium's window is at least
500 px): with every ``<details>`` open, no element may reach past the viewport's right
edge, and no scroll box (a ``pre``) may hide part of its content. The real page is
screenshotted at both widths too.
"""

from __future__ import annotations

import json
import re
from html import escape, unescape
from pathlib import Path

import pytest
from report_helpers import png_size

from tests.chromium import run_chromium, screenshot
from grader.report import write_html_report
from grader.results.models import ItemStatus, SubmissionResult

_MEASURE = """
<script>
window.addEventListener("load", () => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  const width = document.documentElement.clientWidth;
  const bad = [];
  const name = (el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "");
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 0.5 || box.left < -0.5) bad.push(name(el) + " reaches x=" + Math.round(box.right));
    if (getComputedStyle(el).overflowX !== "visible" && el.scrollWidth > el.clientWidth + 1)
      bad.push(name(el) + " hides " + (el.scrollWidth - el.clientWidth) + " px of its content");
  }
  if (document.documentElement.scrollWidth > width) bad.push("the page scrolls sideways");
  parent.document.body.setAttribute("data-width", String(width));
  parent.document.body.setAttribute("data-overflow", JSON.stringify(bad));
});
</script>
"""

WIDTHS = (390, 1280)
LONG_ROW = "  (0, 1, 2, 2) | " + " ".join(f"{0.1 * i:.6f}" for i in range(40)) + " | " + "9" * 180


@pytest.fixture
def crowded(make_item, make_result) -> SubmissionResult:
    """Every status, plus the things that used to overflow: long ids, long got/expected values."""
    long_item = make_item(
        id="backprop.forward_relu_identity_mse", title="Forward pass with ReLU and identity, MSE loss " * 2,
        points=1, max_points=4, status=ItemStatus.PARTIAL,
        messages=("1 of 4 tests passed.",
                  "test_forward: y_hat differs\n  shape (10, 5): 50 of 50 elements differ\n"
                  "  index        | got    | expected\n" + LONG_ROW,
                  "This item is all-or-nothing: every one of its tests must pass."),
        output="x" * 600 + "\n" + "loss " * 200,
    )
    return make_result(items=tuple(make_result().items) + (long_item,),
                       submission="a_very_long_submission_file_name_without_any_spaces_at_all_" * 3 + ".zip")


def _measure(page: Path, tmp: Path, width: int) -> tuple[int, list[str]]:
    probe = tmp / f"measure-{width}.html"
    html = page.read_text(encoding="utf-8")
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html, count=1)
    inner = escape(html.replace("</body>", _MEASURE + "</body>"), quote=True)
    probe.write_text(f'<!DOCTYPE html><html><body style="margin:0"><iframe style="border:0;width:{width}px;'
                     f'height:900px" srcdoc="{inner}"></iframe></body></html>', encoding="utf-8")
    dom = run_chromium(tmp / f"profile-{width}", f"--window-size={width + 100},1000", "--virtual-time-budget=5000",
                       "--dump-dom", probe.as_uri())
    seen = re.search(r'data-width="(\d+)"', dom)
    found = re.search(r'data-overflow="([^"]*)"', dom)
    assert seen and found, "the measuring script did not run"
    return int(seen.group(1)), json.loads(unescape(found.group(1)))


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_overflows_the_viewport(crowded: SubmissionResult, report_dir: Path, tmp_path: Path,
                                        width: int) -> None:
    page = write_html_report(crowded, report_dir)
    seen, overflow = _measure(page, tmp_path, width)
    assert seen <= width and seen > width - 40
    assert overflow == []
    shot = screenshot(page, tmp_path, width, 900)
    assert png_size(shot) == (width, 900)


@pytest.mark.browser
def test_the_measure_sees_an_overflow(crowded: SubmissionResult, report_dir: Path, tmp_path: Path) -> None:
    """The check can fail: a got/expected block that does not wrap is reported at phone width."""
    page = write_html_report(crowded, report_dir)
    page.write_text(page.read_text().replace("</style>", "pre { white-space: pre !important; "
                                             "overflow-wrap: normal !important; }</style>"))
    _, overflow = _measure(page, tmp_path, 390)
    assert any("pre" in line for line in overflow), overflow
