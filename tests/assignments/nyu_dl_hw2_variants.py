"""Answers files for nyu-dl-hw2: wrong ones, each losing exactly its items, and right ones written differently.

A data module (no tests here). Each ``Variant`` replaces some entries of
``reference/nyu-dl-hw2/answers.yaml`` (keys must exist there; ``answers_with`` checks it).
Graded, a variant must score below full on every item in ``loses`` and full on every other
automatic item of ``rubrics/nyu-dl-hw2/rubric.yaml``; a variant with ``loses=()`` is a correct
answer written another way and must keep full marks.

Each automatic item reads only its own entries (``1.1.3.a`` reads ``1.1.3.a.shape`` and
``1.1.3.a.index``), so variants that touch different items can share one graded submission:
``disjoint_groups`` packs them (a second of grading per submission instead of per variant),
and a group passes only if the items it loses are exactly the union of its variants' items.

The wrong answers come from three places: the seed student's own mistakes (the homework
text is one student's answers), off-by-one and missing-factor slips, and conventions a
student could mix up (padding on one side vs both, 0-based indices).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import yaml

__all__ = ["ASSIGNMENT", "AUTOMATIC_ITEMS", "MANUAL_ITEMS", "Variant", "VARIANTS", "answers_with", "item_of",
           "disjoint_groups"]

ASSIGNMENT = "nyu-dl-hw2"

AUTOMATIC_ITEMS = ("1.1.1", "1.1.2", "1.1.3.a", "1.1.3.b", "1.1.3.c", "1.1.3.d", "1.2.2", "1.2.3",
                   "1.3.2", "1.3.3", "1.3.5.n1", "1.3.6", "1.4.4")
MANUAL_ITEMS = ("1.1.3.d.compare", "1.2.1", "1.2.3.compare", "1.2.4", "1.3.1", "1.3.3.equations", "1.3.4",
                "1.3.5", "1.4.1", "1.4.2", "1.4.3", "1.4.4.why")


class Variant(NamedTuple):
    id: str
    #: answers.yaml entries replaced (key -> value, as the YAML loader would return it)
    changes: dict[str, Any]
    #: the automatic items that must score below full; every other one stays full
    loses: tuple[str, ...]
    why: str


def answers_with(reference: Path, changes: dict[str, Any]) -> str:
    """The reference answers.yaml text with ``changes`` applied (every key must exist there)."""
    values = yaml.safe_load(reference.read_text(encoding="utf-8"))
    unknown = sorted(set(changes) - set(values))
    if unknown:
        raise KeyError(f"variant changes keys the reference has not: {unknown}")
    values.update(changes)
    return yaml.safe_dump(values, sort_keys=False, allow_unicode=True)


VARIANTS: tuple[Variant, ...] = (
    # -- the seed student's own answers where they are wrong
    Variant("seed-1.1.3.b-shape", {"1.1.3.b.shape": [3, 3, 5, 1]}, ("1.1.3.b",),
            "the seed's 3 x (3 x 5 x 1): W's dimensions reversed"),
    Variant("seed-1.1.3.d-shape", {"1.1.3.d.shape": [3, 5, 1]}, ("1.1.3.d",),
            "the seed's R^(3 x 5 x 1) for dl/dW, which has W's shape 1 x 5 x 3"),
    Variant("seed-1.3.2-n", {"1.3.2": ["n"]}, ("1.3.2",), "the seed's a[t] in R^n; it has 3 entries"),
    Variant("seed-1.3.5-wrong-network", {"1.3.5.n1": "a1*V1"}, ("1.3.5.n1",),
            "ignores that a[t] depends on h[t-1] (the seed differentiated the 1.2 RNN instead)"),
    Variant("seed-1.3.6-one-term", {"1.3.6.last": "T + 1"}, ("1.3.6",),
            "the seed's single term dl/dh[t] dh[t]/dh[T]: no sum over the k later states"),
    # -- slips
    Variant("1.1.1-off-by-one", {"1.1.1": [6, 2]}, ("1.1.1",), "one row too many"),
    Variant("1.1.2-missing-minus-one", {"1.1.2": ["F", "floor((H + 2*P - D*(K - 1))/S) + 1",
                                                  "floor((W + 2*P - D*(K - 1) - 1)/S) + 1"]},
            ("1.1.2",), "height off by one for some strides"),
    Variant("1.1.2-padding-once", {"1.1.2": ["F", "floor((H + P - D*(K - 1) - 1)/S) + 1",
                                             "floor((W + P - D*(K - 1) - 1)/S) + 1"]},
            ("1.1.2",), "padding counted on one side only"),
    Variant("1.1.2-no-dilation", {"1.1.2": ["F", "floor((H + 2*P - K)/S) + 1", "floor((W + 2*P - K)/S) + 1"]},
            ("1.1.2",), "dilation ignored"),
    Variant("1.1.2-channels-C", {"1.1.2": ["C", "floor((H + 2*P - D*(K - 1) - 1)/S) + 1",
                                           "floor((W + 2*P - D*(K - 1) - 1)/S) + 1"]},
            ("1.1.2",), "the input's channels instead of the F filters"),
    Variant("1.1.3.a-zero-based", {"1.1.3.a.index": "2*r + k"}, ("1.1.3.a",), "an index shifted by 2"),
    Variant("1.1.3.a-shape", {"1.1.3.a.shape": [4]}, ("1.1.3.a",), "stride ignored in the count"),
    Variant("1.1.3.c-kernel-index", {"1.1.3.c.kernel_index": "n - 2*r"}, ("1.1.3.c",), "an index shifted by 2"),
    Variant("1.1.3.d-stride-not-dilation", {"1.1.3.d.entry": "g1*x1 + g2*x2 + g3*x3"}, ("1.1.3.d",),
            "the output gradient applied with stride 1 taps, not dilated by 2"),
    Variant("1.2.2-n", {"1.2.2": ["n"]}, ("1.2.2",), "x's size instead of h's"),
    Variant("1.2.3-missing-gate", {"1.2.3.entry": "d1*x1 + d2*x2"}, ("1.2.3",), "the factor (1 - c[t]) left out"),
    Variant("1.2.3-transposed", {"1.2.3.shape": ["n", "m"]}, ("1.2.3",), "W_x's shape transposed"),
    Variant("1.3.3-count", {"1.3.3.parameters": "3*k*n**2"}, ("1.3.3",), "x's matrices Q_0, K_0, V_0 forgotten"),
    Variant("1.3.5-half-score-derivative", {"1.3.5.n1": "a1*(V1 + (v1 - h)*Q1*k1)"}, ("1.3.5.n1",),
            "d w_1 / d h[t-1] missing the K_1 q_1 half"),
    Variant("1.4.4-ten-classes", {"1.4.4.loss": "log(10)"}, ("1.4.4",), "the loss of 10 classes"),
    # -- right answers written another way: nothing lost
    Variant("equivalent-forms", {
        "1.1.1": "5 x 2",
        "1.1.2": ["F", "floor((H + 2*P - D*K + D - 1 + S)/S)", "ceil((W + 2*P - D*(K - 1))/S)"],
        "1.1.3.a.shape": [1, 3],
        "1.1.3.a.index": "n = k + 2*r - 2",
        "1.1.3.b.shape": [1, 3, 1, 5, 3],
        "1.1.3.c.shape": [3, 5, 7],
        "1.1.3.c.kernel_index": "j = n + 2 - 2*r",
        "1.1.3.d.shape": [5, 3],
        "1.1.3.d.entry": "x6*g3 + x2*g1 + g2*x4",
        "1.2.2": "m",
        "1.2.3.entry": "x1*d1 - c1*d1*x1 + (1 - c2)*x2*d2",
        "1.3.2": 3,
        "1.3.3.parameters": "3*n^2*k + 3*n^2",
        "1.3.5.n1": "a1*V1 + a1*((1 - a1)*v1 - a0*v0 - a2*v2)*(Q1*k1 + K1*q1)",
        "1.3.6.first": "1 + T",
        "1.4.4.loss": 1.386,
        "1.4.4.accuracy": 25,
    }, (), "equivalent answers: strings for shapes, other orders, other symbols, ceil for floor, percent"),
    Variant("equivalent-floor-division", {"1.1.2": ["F", "(H + 2*P - D*(K - 1) - 1)//S + 1",
                                                    "(W + 2*P - D*(K - 1) - 1 + S)//S"]}, (),
            "integer division // for floor"),
    Variant("equivalent-primitives", {"1.3.5.n1": "a1*(V1 + 2*(V1*hp1 - h)*Q1*K1*hp1)"}, (),
            "d h[t]/d h[t-1] written with h[t-1] itself instead of q1, k1, v1"),
)


def item_of(key: str) -> str:
    """The rubric item an answers entry belongs to ("1.1.3.a.index" -> "1.1.3.a")."""
    if key in AUTOMATIC_ITEMS or key in MANUAL_ITEMS:
        return key
    owners = [item for item in AUTOMATIC_ITEMS if key.startswith(item + ".")]
    if not owners:
        raise KeyError(f"no item owns the answers entry {key!r}")
    return max(owners, key=len)


def disjoint_groups(variants: tuple[Variant, ...]) -> list[tuple[Variant, ...]]:
    """Variants packed greedily into groups whose variants touch pairwise different items."""
    groups: list[tuple[list[Variant], set[str]]] = []
    for variant in variants:
        items = {item_of(key) for key in variant.changes} | set(variant.loses)
        for members, used in groups:
            if not items & used:
                members.append(variant)
                used |= items
                break
        else:
            groups.append(([variant], set(items)))
    return [tuple(members) for members, _ in groups]
