"""SECURITY.md's corpus table and known-hole list match the corpus, so the document stays true."""

from __future__ import annotations

import re
from pathlib import Path

from tests.redteam.harness import FAMILIES, load_cases

DOC = (Path(__file__).resolve().parents[2] / "SECURITY.md").read_text()
CASES = load_cases()


def test_the_family_table_counts_the_corpus():
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| (\w+) \| (\d+)[^|]*\|", DOC, re.MULTILINE)}
    for family in FAMILIES:
        counted = sum(1 for c in CASES if c.family == family and not c.pending)
        assert rows.get(family) == str(counted), \
            f"SECURITY.md says {rows.get(family)} {family} cases, the corpus has {counted}"
    for case in CASES:
        if case.pending:
            assert f"`{case.id}`" in DOC, f"{case.id} is kept ready: name it in SECURITY.md"


def test_the_rlimit_known_holes_are_listed():
    section = DOC.split("### Known holes of the `rlimit` backend", 1)[1].split("###", 1)[0]
    always, same_uid = section.split("when the worker runs as the grader's own uid", 1)
    for case in CASES:
        known = case.raw.get("rlimit", {}).get("known", False)
        if known is True:
            assert f"`{case.id}`" in always, f"{case.id} is a known rlimit hole: list it in SECURITY.md"
        elif known == "same-uid":
            assert f"`{case.id}`" in same_uid, f"{case.id} is a known rlimit hole as the same uid: list it"
        else:
            assert f"`{case.id}`" not in section, f"{case.id} is listed as a hole but the corpus says it is stopped"


def test_every_blocked_syscall_is_documented():
    from grader.sandbox.seccomp import BLOCKED

    for names in BLOCKED.values():
        for name in names:
            assert f"`{name}`" in DOC, f"seccomp blocks {name}: say so in SECURITY.md"
