"""Similarity across a class: 500 synthetic nyu-dl-hw1 submissions, time to compare them all (target: < 60 s on 2 cores).

The class is built from the generated template and two sets of solution blocks (the reference's
and an independent one, ``tests/similarity/synth.py``), mixed per student, with names renamed,
mlp.py's functions reordered at random, and a helper of the student's own (random calls and
operators). Planted among them:

- copies of another student (their helper too): renamed, reordered and recommented;
- partial copies: a student's own solution plus another student's helper;
- byte-identical copies (grouped as identical, compared once).

Half the submissions are zips (unpacked by the grader's intake). Printed: the time, the pairs
found, and where the planted pairs ranked (every copy should rank above every honest pair).

    .venv/bin/python bench/bench_similarity.py [--students 500] [--jobs 2]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader.similarity import SimilarityOptions, run_similarity  # noqa: E402
from tests.similarity.synth import HONEST, REFERENCE, REFERENCE_RENAMES, recomment, rename, reorder, submission, write  # noqa: E402

_APIS = ["exp", "sin", "cos", "tanh", "abs", "sqrt", "log", "sum", "mean", "amax", "amin", "relu", "sigmoid", "flatten",
         "norm", "std", "var", "square", "neg", "sign", "floor", "ceil", "erf", "log1p"]
_METHODS = ["abs", "exp", "flatten", "mean", "sum", "t", "relu", "clone", "detach", "float", "double", "sqrt", "neg"]


def own_helper(rng: random.Random, n: int) -> str:
    """A few lines of the student's own: random calls, method chains and operators (distinct once normalised)."""
    def term() -> str:
        chain = "".join(f".{rng.choice(_METHODS)}()" for _ in range(rng.randint(0, 2)))
        return f"torch.{rng.choice(_APIS)}({rng.choice(['t', 'k * t', 't.T', 't[0]'])}){chain}"

    lines = [f"def check_{n}(t, k=3):"]
    count = rng.randint(6, 10)
    for i in range(count):
        lines.append(f"    v{i} = {term()} {rng.choice('+-*/')} {term()} {rng.choice('+-*')} {rng.random():.3f}")
    lines.append("    return " + " + ".join(f"v{i}.sum()" for i in range(count)))
    return "\n".join(lines) + "\n"


def honest(rng: random.Random, n: int) -> dict[str, str]:
    blocks = {name: (REFERENCE if rng.random() < 0.5 else HONEST)[name] for name in REFERENCE}
    blocks["helpers"] = blocks["helpers"] + "\n\n" + own_helper(rng, n)
    mapping = {old: f"{new}{n}" for old, new in REFERENCE_RENAMES.items() if rng.random() < 0.5}
    return rename(blocks, mapping) if mapping else blocks


def build_class(dest: Path, students: int, seed: int = 23) -> dict[str, set[str]]:
    """Write the class; returns the planted pairs: kind -> {"a|b", ...}."""
    rng = random.Random(seed)
    planted: dict[str, set[str]] = {"copy": set(), "partial": set(), "identical": set()}
    made: dict[str, dict[str, str]] = {}
    files: dict[str, dict[str, str]] = {}
    copies, partials, identical = students * 3 // 100, students * 3 // 100, students // 50
    for n in range(students):
        sid = f"s{n:03d}"
        if n < students - copies - partials - identical or not made:
            blocks = honest(rng, n)
            out = submission(blocks)
            out = reorder(out, seed=n) if rng.random() < 0.5 else out
        else:
            victim = rng.choice(sorted(made))
            kind = "copy" if n < students - partials - identical else "partial" if n < students - identical else "identical"
            if kind == "copy":
                blocks = recomment(rename(made[victim], {k: f"{v}_x{n}" for k, v in REFERENCE_RENAMES.items()}))
                out = reorder(submission(blocks), seed=n + 7)
            elif kind == "partial":
                blocks = honest(rng, n)
                blocks["helpers"] += "\n\n" + made[victim]["helpers"].split("\n\n\n")[-1].split("\n\n")[-1]
                out = submission(blocks)
            else:
                blocks, out = made[victim], files[victim]
            planted[kind].add("|".join(sorted((victim, sid))))
        made[sid], files[sid] = blocks, out
        folder = write(dest / "build" / sid, out)
        if n % 2:
            shutil.make_archive(str(dest / "subs" / sid), "zip", folder)
        else:
            shutil.copytree(folder, dest / "subs" / sid)
    shutil.rmtree(dest / "build")
    return planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-similarity-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        planted = build_class(root, args.students)
        built = time.perf_counter() - t0
        t1 = time.perf_counter()
        report = run_similarity(root / "subs", assignment="nyu-dl-hw1", out_dir=root / "out",
                                options=SimilarityOptions(jobs=args.jobs))
        took = time.perf_counter() - t1
        ranks = {"|".join(sorted((p.a.student, p.b.student))): p for p in report.pairs}
        # a pair is honest when neither student took part in a planted copy (a copy of a copy links its sources too)
        involved = {sid for kind in planted.values() for key in kind for sid in key.split("|")}
        honest_best = max((p.pair.score for p in report.pairs if not {p.a.student, p.b.student} & involved),
                          default=0.0)
        print(f"class: {args.students} students ({report.distinct} distinct), built in {built:.1f} s")
        print(f"similarity: {took:.1f} s with {args.jobs} processes; {len(report.scores)} pairs scored, "
              f"{len(report.pairs)} listed, {report.flagged} at or above {100 * report.threshold:.0f}%; "
              f"{report.ignored_common} common fingerprints ignored (in more than {report.common} submissions)")
        print(f"identical groups: {len(report.identical)} (planted {len(planted['identical'])} copies)")
        for kind in ("copy", "partial"):
            found = [ranks[k] for k in planted[kind] if k in ranks]
            scores = sorted(p.pair.score for p in found)
            worst = max((p.rank for p in found), default=0)
            print(f"planted {kind}: {len(found)}/{len(planted[kind])} listed, scores {100 * scores[0]:.0f}%.."
                  f"{100 * scores[-1]:.0f}%, worst rank {worst}" if scores else f"planted {kind}: none found")
        print(f"best pair of two students in no planted copy: {100 * honest_best:.0f}%")
        print(f"target: under 60 s -> {'OK' if took < 60 else 'MISSED'}")


if __name__ == "__main__":
    main()
