"""The synthetic pairs of nyu-dl-hw1 (and a notebook class of comp499-a1), scored with the real starter subtracted.

One class holds every case, so each score is also read against the others: a disguised copy
scores near 100%, one copied function scores clearly above two honest solutions and clearly
below a whole copy, honest solutions score low, untouched templates have nothing to compare.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.similarity import SimilarityOptions, SimilarityReport, run_similarity
from grader.similarity.sources import SimilarityError
from tests.similarity.synth import (
    HONEST,
    REFERENCE,
    REFERENCE_RENAMES,
    TEMPLATE,
    recomment,
    rename,
    reorder,
    submission,
    write,
)

REPO = Path(__file__).resolve().parents[2]


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), start=1) if needle in line)


@pytest.fixture(scope="module")
def nyu_class(tmp_path_factory) -> tuple[Path, SimilarityReport]:
    subs = tmp_path_factory.mktemp("sim") / "subs"
    one_function = dict(HONEST)
    one_function["backward"] = rename({"b": REFERENCE["backward"]}, {"activate_grad": "act_deriv"})["b"]
    template = {name: (TEMPLATE / name).read_text() for name in ("mlp.py", "gd.py", "test_public.py")}
    touched = dict(template, **{"mlp.py": template["mlp.py"].replace("import torch", "import torch  # ok\n\n")})
    write(subs / "alice", submission(REFERENCE))
    write(subs / "frank", submission(REFERENCE))  # byte for byte alice's
    write(subs / "bob", submission(recomment(REFERENCE)))
    write(subs / "carol", submission(rename(REFERENCE, REFERENCE_RENAMES)))
    write(subs / "dan", reorder(submission(REFERENCE), seed=4))
    write(subs / "dave", submission(HONEST))
    write(subs / "erin", submission(one_function))
    write(subs / "gina", template)
    write(subs / "hank", touched)
    report = run_similarity(subs, assignment="nyu-dl-hw1", out_dir=subs.parent / "out", root=REPO)
    return subs, report


def _pair(report: SimilarityReport, a: str, b: str):  # type: ignore[no-untyped-def]
    for p in report.pairs:
        if {p.a.student, p.b.student} == {a, b}:
            return p
    return None


def _score(report: SimilarityReport, a: str, b: str) -> float:
    found = _pair(report, a, b)
    return found.pair.score if found else 0.0


def test_identical_submissions_are_one_group_compared_once(nyu_class) -> None:
    _, report = nyu_class
    assert [[e.student for e in g] for g in report.identical] == [["alice", "frank"]]
    assert all("frank" not in (p.a.student, p.b.student) for p in report.pairs)
    assert report.students == 9 and report.distinct == 8


@pytest.mark.parametrize("copy", ["bob", "carol", "dan"], ids=["comments-whitespace", "renamed", "reordered"])
def test_a_disguised_copy_scores_near_a_whole_copy(nyu_class, copy: str) -> None:
    _, report = nyu_class
    score = _score(report, "alice", copy)
    assert score >= 0.9, f"alice and {copy} (a disguised copy) scored {score:.2f}"
    assert _pair(report, "alice", copy).flagged
    assert score > 3 * _score(report, "alice", "dave"), "a copy must stand far above two honest solutions"


def test_reordered_functions_map_each_region_to_where_the_function_moved(nyu_class) -> None:
    subs, report = nyu_class
    pair = _pair(report, "alice", "dan")
    a_side = "a" if pair.a.student == "alice" else "b"
    mlp_a = (subs / "alice" / "mlp.py").read_text()
    mlp_b = (subs / "dan" / "mlp.py").read_text()
    want_a, want_b = _line_of(mlp_a, "J = -(y * log_p"), _line_of(mlp_b, "J = -(y * log_p")
    assert want_a != want_b, "the reorder moved nothing"
    names = report.file_names
    found = []
    for region in pair.regions:
        lines_alice = region.lines_a if a_side == "a" else region.lines_b
        lines_dan = region.lines_b if a_side == "a" else region.lines_a
        file_alice = names[pair.a.key][region.file_a] if a_side == "a" else names[pair.b.key][region.file_b]
        if file_alice == "mlp.py" and want_a in lines_alice:
            found.append(lines_dan)
    assert found and any(want_b in lines for lines in found), f"bce_loss's line {want_a} not mapped to {want_b}"


def test_one_copied_function_scores_between_honest_and_a_whole_copy_and_is_located(nyu_class) -> None:
    subs, report = nyu_class
    partial, honest, whole = _score(report, "alice", "erin"), _score(report, "alice", "dave"), _score(report, "alice", "bob")
    assert honest < partial < whole
    assert 0.12 <= partial <= 0.6, f"one copied function scored {partial:.2f}"
    pair = _pair(report, "alice", "erin")
    alice_is_a = pair.a.student == "alice"
    mlp_alice = (subs / "alice" / "mlp.py").read_text()
    mlp_erin = (subs / "erin" / "mlp.py").read_text()
    backward_alice = _line_of(mlp_alice, "dJdz2 = dJdz3 @ p")
    backward_erin = _line_of(mlp_erin, "dJdz2 = dJdz3 @ p")
    forward_erin = _line_of(mlp_erin, "s1 = torch.matmul(x, W1.t())")
    hit = [r for r in pair.regions if backward_alice in (r.lines_a if alice_is_a else r.lines_b)]
    assert hit and backward_erin in (hit[0].lines_b if alice_is_a else hit[0].lines_a)
    assert all(forward_erin not in (r.lines_b if alice_is_a else r.lines_a) for r in pair.regions), \
        "erin's own forward pass was marked as copied"


def test_two_honest_independent_solutions_score_low(nyu_class) -> None:
    _, report = nyu_class
    score = _score(report, "alice", "dave")
    assert score < 0.15, f"two honest solutions scored {score:.2f}"
    assert not (_pair(report, "alice", "dave") or _pair(report, "dave", "alice")).flagged
    assert _score(report, "dave", "erin") > 0.5, "erin is dave's code with one function of alice's"


def test_untouched_templates_score_zero_because_the_starter_is_subtracted(nyu_class) -> None:
    _, report = nyu_class
    assert set(report.no_own_code) == {"gina", "hank"}
    assert all({"gina", "hank"}.isdisjoint({p.a.student, p.b.student}) for p in report.pairs)


def test_without_the_starter_subtracted_the_templates_would_match(tmp_path) -> None:
    """The other way round: the zero above comes from the subtraction, not from an empty comparison."""
    from grader.similarity.compare import fingerprint, score_pairs, starter_hashes
    from grader.similarity.sources import read_folder

    template = read_folder(TEMPLATE)
    touched = [f if f.name != "mlp.py" else type(f)(f.name, f.text + "\n# mine\n", ((f.text + "\n# mine\n", 1),))
               for f in template]
    bare = score_pairs([fingerprint("g", template), fingerprint("h", touched)], common=None)[0]
    assert bare and bare[0].score > 0.9
    starter = starter_hashes(template)
    subtracted = score_pairs([fingerprint("g", template, starter=starter),
                              fingerprint("h", touched, starter=starter)], common=None)[0]
    assert subtracted == []


def test_outputs_for_tools_agree_with_the_report(nyu_class) -> None:
    subs, report = nyu_class
    out = subs.parent / "out"
    data = json.loads((out / "similarity.json").read_text())
    assert data["flagged"] == report.flagged and len(data["pairs"]) == len(report.pairs)
    assert data["identical"] == [["alice", "frank"]]
    csv_lines = (out / "pairs.csv").read_text().splitlines()
    assert csv_lines[0].startswith("rank,student_a,student_b,score") and len(csv_lines) == len(report.pairs) + 1
    assert {p.page for p in report.pairs} == {p.name for p in out.glob("pair-*.html")}


def test_common_code_across_many_submissions_is_ignored(tmp_path) -> None:
    """Twelve students with the same solution and a line of their own: with --common 10 the shared code stops
    counting (nothing is left to flag); with --common 0 it counts and every pair is a copy."""
    subs = tmp_path / "subs"
    apis = ["exp", "sin", "cos", "tanh", "abs", "sqrt", "log", "floor", "ceil", "round", "sign", "erf"]
    for n, api in enumerate(apis):
        blocks = dict(HONEST)
        blocks["helpers"] = HONEST["helpers"] + f"\n\ndef own(t):\n    return torch.{api}(t).{apis[n - 1]}().sum()\n"
        write(subs / f"s{n:02d}", submission(blocks))
    filtered = run_similarity(subs, assignment="nyu-dl-hw1", out_dir=tmp_path / "a", root=REPO,
                              options=SimilarityOptions(common=10))
    counted = run_similarity(subs, assignment="nyu-dl-hw1", out_dir=tmp_path / "b", root=REPO,
                             options=SimilarityOptions(common=0))
    assert filtered.ignored_common > 0 and counted.ignored_common == 0
    assert len(counted.pairs) == 66 and min(p.pair.score for p in counted.pairs) > 0.9
    assert filtered.flagged == 0 and max((p.pair.score for p in filtered.pairs), default=0.0) < 0.2


def test_notebook_code_cells_are_compared_with_the_template_subtracted(tmp_path) -> None:
    template = REPO / "student_template" / "comp499-a1" / "comp499_a1.ipynb"
    nb = json.loads(template.read_text())
    stub = 'raise NotImplementedError("finite_difference_grad: write this part")'
    solution = ("grad = torch.zeros_like(theta)\n    for i in range(theta.numel()):\n"
                "        step = torch.zeros_like(theta)\n        step.view(-1)[i] = eps\n"
                "        grad.view(-1)[i] = (f(theta + step) - f(theta - step)) / (2 * eps)\n    return grad")
    honest = ("out = []\n    flat = theta.reshape(-1)\n    for j, value in enumerate(flat):\n"
              "        plus = flat.clone(); plus[j] = value + eps\n        out.append((f(plus.view_as(theta)) - f(theta)) / eps)\n"
              "    return torch.stack(out).view_as(theta)")

    def notebook(code: str, extra: str = "") -> str:
        copy = json.loads(json.dumps(nb))
        for cell in copy["cells"]:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if cell["cell_type"] == "code" and stub in source:
                cell["source"] = "%matplotlib inline\n" + extra + source.replace(stub, code)
        return json.dumps(copy)

    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ann.ipynb").write_text(notebook(solution))
    renamed = solution.replace("grad", "g_est").replace("step", "delta")
    (subs / "ben.ipynb").write_text(notebook(renamed, "# copied? never\n"))
    (subs / "cat.ipynb").write_text(notebook(honest))
    (subs / "dee.ipynb").write_text(template.read_text().replace('"# YOUR CODE HERE"', '"# YOUR CODE HERE "', 1))
    report = run_similarity(subs, assignment="comp499-a1", out_dir=tmp_path / "out", root=REPO)
    assert _score(report, "ann", "ben") >= 0.9
    assert _score(report, "ann", "cat") < 0.3
    assert "dee" in report.no_own_code
    pair = _pair(report, "ann", "ben")
    shown = (tmp_path / "out" / pair.page).read_text()  # the notebook as its code cells
    assert "# [cell " in shown and "g_est" in shown


def test_bad_input_gets_a_clear_error(tmp_path) -> None:
    with pytest.raises(SimilarityError, match="not a folder"):
        run_similarity(tmp_path / "nope", assignment="nyu-dl-hw1", out_dir=tmp_path / "o", root=REPO)
    (tmp_path / "subs").mkdir()
    with pytest.raises(SimilarityError, match="not inside"):
        run_similarity(tmp_path / "subs", assignment="nyu-dl-hw1", out_dir=tmp_path / "subs" / "o", root=REPO)
    with pytest.raises(SimilarityError, match="between 0 and 1"):
        run_similarity(tmp_path / "subs", assignment="nyu-dl-hw1", out_dir=tmp_path / "o", root=REPO,
                       options=SimilarityOptions(threshold=50))


def test_a_canvas_download_is_read_per_student_under_the_files_own_names(tmp_path) -> None:
    subs = tmp_path / "canvas"
    subs.mkdir()
    people = {"smithjohn_101_9001": submission(REFERENCE), "doejane_LATE_102_9002": submission(recomment(REFERENCE)),
              "roeric_103_9003": submission(HONEST)}
    for prefix, files in people.items():
        for name in ("mlp.py", "gd.py"):
            (subs / f"{prefix}_{name}").write_text(files[name])
    report = run_similarity(subs, assignment="nyu-dl-hw1", out_dir=tmp_path / "out", root=REPO)
    assert report.students == 3 and not report.unreadable
    assert {report.pairs[0].a.student, report.pairs[0].b.student} == {"101", "102"}
    assert report.pairs[0].pair.score > 0.9 and _score(report, "101", "103") < 0.15
    assert report.file_names[report.pairs[0].a.key] == ("gd.py", "mlp.py")
    assert "smithjohn" in {report.pairs[0].a.name, report.pairs[0].b.name}
