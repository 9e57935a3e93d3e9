"""A class of nyu-dl-hw1 submissions for the batch tests and the batch bench.

``build_class(dest, students=200)`` writes one submission per student into ``dest`` (a plain
layout: folders and zips named after the student) and returns what each must score. The
submissions are copies of a few kinds:

- ``reference``: every automatic point (20 of 20; the extra-credit visuals await a TA);
- ``template``: the untouched student template, zero everywhere;
- one per wrong variant of ``tests/assignments/nyu_dl_hw1_variants.py``: below full on the
  items the variant ``loses``, full on every other automatic item;
- hostile ones that fail fast: a broken zip and a zip-slip zip (not gradable), an ``mlp.py``
  that exits the worker at import, one that allocates 16 GiB at import, one that floods its
  output, and one that tries to read the hidden tests, the reference and the network
  (sandboxed, so it earns full marks and its output shows none of them).

Copies of a kind are byte-identical unless ``distinct=True``, which appends a comment with
the student's id to every ``.py`` file (so nothing can be graded once for several students).
Hostile kinds that would need the per-call time limit (an infinite loop: 60 s per call) are
left out: they test the engine's limits, not the batch, and would dominate every timing.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.authoring.template import strip_solutions
from tests.assignments.nyu_dl_hw1_variants import AUTOMATIC_ITEMS, VARIANTS, apply

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "reference" / "nyu-dl-hw1"
FILES = ("mlp.py", "gd.py")
#: points of each automatic item in rubrics/nyu-dl-hw1/rubric.yaml
POINTS = {
    "backprop.forward": 3, "backprop.mse_loss": 2, "backprop.bce_loss": 2, "backprop.bce_saturation": 1,
    "backprop.backward_relu_identity": 3, "backprop.backward_sigmoid": 3, "backprop.edge_cases": 2,
    "backprop.rules": 2, "gd.optimise": 2,
}
MLP_ITEMS = tuple(i for i in AUTOMATIC_ITEMS if i.startswith("backprop.") and i != "backprop.rules")
_EPOCH = (2024, 9, 1, 12, 0, 0)

_EXIT_AT_IMPORT = "import os\nos._exit(3)\n"
_MEMORY_BOMB = "_HOG = bytearray(16 * 2**30)\n"
_FLOOD = "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n"
_SNOOP = '''import socket as _socket
_FOUND = []
for _path in ({hidden!r}, {reference!r}, "/etc/shadow", "/root/.ssh/id_rsa"):
    try:
        with open(_path) as _f:
            _FOUND.append(_path + ": LEAKED " + str(len(_f.read())))
    except OSError:
        _FOUND.append(_path + ": refused")
try:
    _socket.create_connection(("1.1.1.1", 80), timeout=2)
    _FOUND.append("network: open")
except OSError:
    _FOUND.append("network: refused")
print("SNOOP", _FOUND)
'''


@dataclass(frozen=True)
class Expected:
    """What one kind of submission must score."""

    kind: str
    #: graded | not_gradable
    outcome: str = "graded"
    #: items that must score their full points
    full: tuple[str, ...] = ()
    #: items that must score below their full points
    below: tuple[str, ...] = ()
    #: items that must score exactly zero
    zero: tuple[str, ...] = ()
    #: the exact total, when it is known without grading
    total: float | None = None
    #: text that must not appear anywhere in the result (the hidden tests' code)
    forbidden_text: tuple[str, ...] = ()


def reference_files() -> dict[str, str]:
    return {name: (REFERENCE / name).read_text() for name in FILES}


def kinds() -> dict[str, tuple[dict[str, str] | bytes, Expected]]:
    """Every kind of submission: its files (or a zip's raw bytes) and what it must score."""
    ref = reference_files()
    out: dict[str, tuple[dict[str, str] | bytes, Expected]] = {}
    out["reference"] = (ref, Expected("reference", full=AUTOMATIC_ITEMS, total=20.0))
    template = {name: strip_solutions(text, name) for name, text in ref.items()}
    out["template"] = (template, Expected("template", zero=AUTOMATIC_ITEMS, total=0.0))
    for variant in VARIANTS:
        files = dict(ref)
        files[variant.file] = apply(variant, ref[variant.file])
        full = tuple(i for i in AUTOMATIC_ITEMS if i not in variant.loses)
        out[f"variant-{variant.id}"] = (files, Expected(f"variant-{variant.id}", full=full,
                                                        below=tuple(sorted(variant.loses))))
    out["hostile-broken-zip"] = (b"PK\x03\x04 this is not a zip file" + bytes(64),
                                 Expected("hostile-broken-zip", outcome="not_gradable", total=0.0))
    out["hostile-zip-slip"] = (_zip({"../mlp.py": ref["mlp.py"], "gd.py": ref["gd.py"]}),
                               Expected("hostile-zip-slip", outcome="not_gradable", total=0.0))
    mlp_zero = (*MLP_ITEMS,)
    out["hostile-exit-at-import"] = ({**ref, "mlp.py": _EXIT_AT_IMPORT + ref["mlp.py"]},
                                     Expected("hostile-exit-at-import", zero=mlp_zero))
    out["hostile-memory-bomb"] = ({**ref, "mlp.py": _MEMORY_BOMB + ref["mlp.py"]},
                                  Expected("hostile-memory-bomb", zero=mlp_zero, full=("gd.optimise",)))
    out["hostile-output-flood"] = ({**ref, "mlp.py": _FLOOD + ref["mlp.py"]},
                                   Expected("hostile-output-flood", zero=mlp_zero))
    snoop = _SNOOP.format(hidden=str(REPO / "rubrics" / "nyu-dl-hw1" / "tests" / "test_forward.py"),
                          reference=str(REFERENCE / "mlp.py"))
    out["hostile-snoop"] = ({**ref, "mlp.py": snoop + ref["mlp.py"]},
                            Expected("hostile-snoop", full=AUTOMATIC_ITEMS, total=20.0,
                                     forbidden_text=("LEAKED", "network: open")))
    return out


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in sorted(files.items()):
            zf.writestr(zipfile.ZipInfo(name, date_time=_EPOCH), text)
    return buffer.getvalue()


def _write(dest: Path, student: str, content: dict[str, str] | bytes, form: str, distinct: bool) -> None:
    if isinstance(content, bytes):
        (dest / f"{student}.zip").write_bytes(content)
        return
    files = {n: t + (f"\n# submitted by {student}\n" if distinct else "") for n, t in content.items()}
    if form != "folder":
        # a zip of a folder holds a top folder; intake flattens it
        top = "hw1/" if form == "zip-folder" else ""
        (dest / f"{student}.zip").write_bytes(_zip({top + n: t for n, t in files.items()}))
        return
    folder = dest / student
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)


#: the kinds the test suite grades (every kind of mistake the batch must tell apart, one of each
#: hostile behaviour; the bench grades all of them)
TEST_KINDS = ("reference", "template", "variant-mse_sum_not_mean", "variant-bce_grad_sign",
              "variant-sigmoid_grad_sign", "variant-relu_grad_leaky", "variant-bce_log_of_zero",
              "variant-backward_uses_autograd", "variant-gd_returns_input", "hostile-broken-zip",
              "hostile-zip-slip", "hostile-exit-at-import", "hostile-memory-bomb", "hostile-snoop")


def build_class(dest: Path, students: int = 200, *, distinct: bool = False,
                only_kinds: tuple[str, ...] | None = None) -> dict[str, Expected]:
    """Write ``students`` submissions into ``dest``; returns student id -> what it must score.

    Students are ``s000``, ``s001``, ...; kind ``k`` goes to students ``k, k + K, k + 2K`` (K kinds),
    so every kind is present as soon as ``students >= K``. A kind is a folder, a zip, or a zip of
    a folder, fixed per kind so copies stay byte-identical.
    """
    dest.mkdir(parents=True, exist_ok=True)
    table = kinds()
    names = [k for k in table if only_kinds is None or k in only_kinds]
    expected = {}
    for n in range(students):
        kind = names[n % len(names)]
        content, what = table[kind]
        student = f"s{n:03d}"
        form = ("folder", "zip", "zip-folder")[names.index(kind) % 3]
        _write(dest, student, content, form, distinct=distinct)
        expected[student] = what
    return expected


def check_result(student: str, expected: Expected, result: dict) -> list[str]:
    """Problems with one student's ``result.json`` (an empty list: as expected)."""
    problems = []
    items = {i["id"]: i for i in result["items"]}
    if result["outcome"] != expected.outcome:
        problems.append(f"{student} ({expected.kind}): outcome {result['outcome']}, expected {expected.outcome}: "
                        f"{result.get('reason', '')[:200]}")
        return problems
    score = round(sum(i["points"] for i in result["items"]), 6)
    if expected.total is not None and abs(score - expected.total) > 1e-6:
        problems.append(f"{student} ({expected.kind}): total {score}, expected {expected.total}")
    for item in expected.full:
        if abs(items[item]["points"] - POINTS[item]) > 1e-6:
            problems.append(f"{student} ({expected.kind}): {item} scored {items[item]['points']}, expected full "
                            f"{POINTS[item]}: {' | '.join(items[item]['messages'])[:300]}")
    for item in expected.below:
        if items[item]["points"] >= POINTS[item] - 1e-6:
            problems.append(f"{student} ({expected.kind}): {item} scored full, expected below {POINTS[item]}")
    for item in expected.zero:
        if items[item]["points"] != 0:
            problems.append(f"{student} ({expected.kind}): {item} scored {items[item]['points']}, expected 0")
    text = str(result)
    for forbidden in expected.forbidden_text:
        if forbidden in text:
            problems.append(f"{student} ({expected.kind}): the result contains {forbidden!r}")
    return problems
