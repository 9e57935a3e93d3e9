"""nyu-dl-hw2 end to end: the key is right, the assignment is sound, every wrong answer loses its item.

Three layers:

- the key (reference/nyu-dl-hw2/answers.yaml) is proven by computation: conv shapes and
  index formulas against torch's conv layers and autograd Jacobians, the RNN and
  AttentionRNN formulas against small torch implementations of the networks in the text;
- ``grader validate``: the reference earns every automatic point, the template none;
- each variant of nyu_dl_hw2_variants (wrong answers, and right ones written differently)
  loses exactly its items; malformed answers files give clear messages and no crash.

No training and no sandboxed student code: a homework of written answers grades in about a
second once sympy is imported.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from grader.api import check_template_fresh, grade, validate
from grader.assignments import assignment_paths
from grader.checks import expressions
from grader.checks.answers import load_answers
from grader.results.models import ItemStatus, Outcome
from grader.rubric import load_rubric
from tests.assignments.keys import key_leaks
from tests.assignments.nyu_dl_hw2_variants import (ASSIGNMENT, AUTOMATIC_ITEMS, MANUAL_ITEMS, VARIANTS,
                                                   answers_with, disjoint_groups, item_of)

PATHS = assignment_paths(ASSIGNMENT)
REFERENCE_ANSWERS = PATHS.reference_dir / "answers.yaml"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def key() -> dict:
    answers = load_answers(PATHS.reference_dir, "answers.yaml")
    assert answers.problem == ""
    return dict(answers)


def value(text, **values):
    """A key formula's value at whole-number or real settings (numbers, or arrays of them)."""
    result = expressions.evaluate(str(text), list(values), values)
    return float(result) if np.ndim(result) == 0 else np.broadcast_to(result, np.shape(next(iter(values.values()))))


# -- the key, proven by computation -------------------------------------------------------


def test_key_conv_output_sizes(key):
    out = torch.nn.Conv2d(1, 1, (4, 5), stride=4)(torch.zeros(1, 1, 21, 12))
    assert list(out.shape[2:]) == key["1.1.1"]
    settings, shapes = [], []
    for C, H, W, K, P, S, D, F in itertools.product([2], [9, 16], [11, 14], [1, 3], [0, 2], [1, 3], [1, 2], [4]):
        conv = torch.nn.Conv2d(C, F, K, stride=S, padding=P, dilation=D, bias=False)
        settings.append((C, H, W, K, P, S, D, F))
        shapes.append(conv(torch.zeros(1, C, H, W)).shape[1:])
    sizes = dict(zip("CHWKPSDF", np.array(settings).T))
    by_formula = np.stack([value(f, **sizes) for f in key["1.1.2"]], axis=1)
    assert np.array_equal(by_formula, np.array(shapes)), "the key's 1.1.2 differs from torch.nn.Conv2d"


def test_key_conv1d_values_and_jacobians(key):
    torch.manual_seed(2)
    x = torch.randn(7, 5, dtype=torch.float64)  # x[n, c], as in the text
    weight = torch.randn(1, 5, 3, dtype=torch.float64)

    def f_of(x, weight):
        return torch.nn.functional.conv1d(x.T.unsqueeze(0), weight, stride=2)[0, 0]  # one filter: R^3

    f = f_of(x, weight)
    assert list(f.shape) == key["1.1.3.a.shape"]
    r_grid, k_grid = np.meshgrid(np.arange(1, 4), np.arange(1, 4), indexing="ij")
    index = dict(zip(zip(r_grid.flat, k_grid.flat), value(key["1.1.3.a.index"], r=r_grid.ravel(), k=k_grid.ravel())
                     .astype(int)))
    index_b = dict(zip(zip(r_grid.flat, k_grid.flat), value(key["1.1.3.b.index"], r=r_grid.ravel(), k=k_grid.ravel())
                       .astype(int)))
    for r in range(1, 4):
        by_formula = sum(weight[0, c, k - 1] * x[index[r, k] - 1, c] for c in range(5) for k in range(1, 4))
        assert torch.isclose(f[r - 1], by_formula)

    jac_w = torch.autograd.functional.jacobian(lambda w: f_of(x, w), weight)
    assert list(jac_w.shape) == key["1.1.3.b.shape"]
    for r, c, k in itertools.product(range(1, 4), range(5), range(1, 4)):
        assert jac_w[r - 1, 0, c, k - 1] == x[index_b[r, k] - 1, c]

    jac_x = torch.autograd.functional.jacobian(lambda xx: f_of(xx, weight), x)
    assert list(jac_x.shape) == key["1.1.3.c.shape"]
    n_grid, r_grid = np.meshgrid(np.arange(1, 8), np.arange(1, 4), indexing="ij")
    taps = dict(zip(zip(n_grid.flat, r_grid.flat),
                    value(key["1.1.3.c.kernel_index"], n=n_grid.ravel(), r=r_grid.ravel()).astype(int)))
    for r, n, c in itertools.product(range(1, 4), range(1, 8), range(5)):
        j = taps[n, r]
        expected = weight[0, c, j - 1] if 1 <= j <= 3 else 0.0
        assert jac_x[r - 1, n - 1, c] == expected

    g = torch.randn(3, dtype=torch.float64)
    w = weight.clone().requires_grad_(True)
    (f_of(x, w) @ g).backward()
    assert list(w.grad.shape) == key["1.1.3.d.shape"]
    for c in range(5):
        symbols = {f"g{i + 1}": g[i].item() for i in range(3)} | {f"x{n + 1}": x[n, c].item() for n in range(7)}
        assert math.isclose(value(key["1.1.3.d.entry"], **symbols), w.grad[0, c, 1].item(), rel_tol=1e-9)


def _gated_rnn(xs, w_c, w_h, w_x):
    """The RNN of Problem 1.2: c = sigmoid(W_c x + W_h h); h = c * h + (1 - c) * W_x x; h[0] = 0."""
    h = torch.zeros(w_h.shape[0], dtype=torch.float64)
    states, gates = [], []
    for x in xs:
        c = torch.sigmoid(w_c @ x + w_h @ h)
        h = c * h + (1 - c) * (w_x @ x)
        h.retain_grad()
        states.append(h)
        gates.append(c)
    return states, gates


def test_key_gated_rnn_gradient(key):
    torch.manual_seed(3)
    m, n = 3, 2
    xs = torch.randn(2, n, dtype=torch.float64)  # K = 2 steps, as in the key's entry formula
    w_c, w_h = torch.randn(m, n, dtype=torch.float64), torch.randn(m, m, dtype=torch.float64)
    w_x = torch.randn(m, n, dtype=torch.float64, requires_grad=True)
    states, gates = _gated_rnn(xs, w_c, w_h, w_x)
    assert [value(d, m=m, n=n) for d in key["1.2.2"]] == list(gates[0].shape)
    us = torch.randn(2, m, dtype=torch.float64)
    loss = sum(torch.tanh(u @ h) for u, h in zip(us, states))  # l depends on every h[t]
    loss.backward()
    assert [value(d, m=m, n=n) for d in key["1.2.3.shape"]] == list(w_x.grad.shape)
    for i, j in itertools.product(range(m), range(n)):
        symbols = {"d1": states[0].grad[i].item(), "d2": states[1].grad[i].item(),  # total dl/dh[t]
                   "c1": gates[0][i].item(), "c2": gates[1][i].item(), "x1": xs[0, j].item(), "x2": xs[1, j].item()}
        assert math.isclose(value(key["1.2.3.entry"], **symbols), w_x.grad[i, j].item(), rel_tol=1e-9)


class AttentionRNN(torch.nn.Module):
    """AttentionRNN(k) of Problem 1.3: Q_i, K_i, V_i for x[t] (i = 0) and h[t-1] .. h[t-k]."""

    def __init__(self, n: int, k: int):
        super().__init__()
        self.k = k
        self.Q, self.K, self.V = (torch.nn.ParameterList(
            torch.nn.Parameter(torch.randn(n, n, dtype=torch.float64) / n ** 0.5) for _ in range(k + 1))
            for _ in range(3))

    def step(self, x, past):
        """h[t] and a[t] from x[t] and past = [h[t-1], ..., h[t-k]]."""
        inputs = [x, *past]
        q = [Q @ v for Q, v in zip(self.Q, inputs)]
        k = [K @ v for K, v in zip(self.K, inputs)]
        v = [V @ v for V, v in zip(self.V, inputs)]
        a = torch.softmax(torch.stack([qi @ ki for qi, ki in zip(q, k)]), 0)
        return sum(ai * vi for ai, vi in zip(a, v)), a


def test_key_attention_sizes_and_parameters(key):
    assert key["1.3.2"] == [len(AttentionRNN(4, 2).step(torch.zeros(4, dtype=torch.float64),
                                                        [torch.zeros(4, dtype=torch.float64)] * 2)[1])]
    for n, k in itertools.product([1, 2, 3], [1, 2, 4]):
        net = AttentionRNN(n, k)
        _, a = net.step(torch.zeros(n, dtype=torch.float64), [torch.zeros(n, dtype=torch.float64)] * k)
        assert value(key["1.3.3.attention_size"], k=k, n=n) == len(a)
        assert value(key["1.3.3.parameters"], k=k, n=n) == sum(p.numel() for p in net.parameters())


def test_key_attention_state_jacobian(key):
    torch.manual_seed(4)
    for _ in range(16):  # n = 1: the key's scalar formula against autograd
        net = AttentionRNN(1, 2)
        x, hp1, hp2 = torch.randn(3, 1, dtype=torch.float64)
        jac = torch.autograd.functional.jacobian(lambda h: net.step(x, [h, hp2])[0], hp1).item()
        h, a = net.step(x, [hp1, hp2])
        symbols = {"x": x.item(), "hp1": hp1.item(), "hp2": hp2.item(), "h": h.item()}
        for i, inp in enumerate([x, hp1, hp2]):
            q, k, v = (M[i].item() * inp.item() for M in (net.Q, net.K, net.V))
            symbols |= {f"a{i}": a[i].item(), f"q{i}": q, f"k{i}": k, f"v{i}": v, f"w{i}": q * k,
                        f"Q{i}": net.Q[i].item(), f"K{i}": net.K[i].item(), f"V{i}": net.V[i].item()}
        assert math.isclose(value(key["1.3.5.n1"], **symbols), jac, rel_tol=1e-9, abs_tol=1e-12)
    # the matrix form given to the TA (1.3.5), n = 3
    net = AttentionRNN(3, 2)
    x, hp1, hp2 = torch.randn(3, 3, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(lambda h: net.step(x, [h, hp2])[0], hp1)
    h, a = net.step(x, [hp1, hp2])
    q1, k1, v1 = net.Q[1] @ hp1, net.K[1] @ hp1, net.V[1] @ hp1
    by_formula = a[1] * (net.V[1] + torch.outer(v1 - h, q1 @ net.K[1] + k1 @ net.Q[1]))
    assert torch.allclose(jac, by_formula, atol=1e-12)


def test_key_attention_backprop_sum(key):
    torch.manual_seed(5)
    n, k, length = 2, 3, 9
    net = AttentionRNN(n, k)
    xs = torch.randn(length + 1, n, dtype=torch.float64)
    hs = {t: torch.zeros(n, dtype=torch.float64) for t in range(1 - k, 1)}
    for t in range(1, length + 1):
        hs[t] = net.step(xs[t], [hs[t - i] for i in range(1, k + 1)])[0]
        hs[t].retain_grad()
    u = torch.randn(n, dtype=torch.float64)
    torch.tanh(u @ hs[length]).backward()  # l depends on h[length] only, so no direct term below

    def local(t, T):  # d h[t] / d h[T], every other input held fixed
        past = [hs[t - i].detach() for i in range(1, k + 1)]
        return torch.autograd.functional.jacobian(
            lambda h: net.step(xs[t], past[:t - T - 1] + [h] + past[t - T:])[0], hs[T].detach())

    for T in range(1, length - k + 1):
        first, last = (int(value(key[f"1.3.6.{end}"], T=T, k=k)) for end in ("first", "last"))
        total = sum(hs[t].grad @ local(t, T) for t in range(first, last + 1))
        assert torch.allclose(hs[T].grad, total, atol=1e-12), T


def test_key_initial_loss_and_accuracy(key):
    logits = torch.nn.Linear(8, 4)(torch.randn(256, 8)) * 0  # an untrained net's near-equal outputs, exactly
    labels = torch.arange(256) % 4
    assert math.isclose(value(key["1.4.4.loss"]), torch.nn.functional.cross_entropy(logits, labels).item(),
                        rel_tol=1e-6)
    guesses = torch.randint(0, 4, (100_000,), generator=torch.Generator().manual_seed(0))
    assert abs(key["1.4.4.accuracy"] - (guesses == torch.arange(100_000) % 4).double().mean().item()) < 0.01


# -- the assignment -------------------------------------------------------------------------


def test_validate_reference_full_template_zero():
    report = validate(ASSIGNMENT)
    assert report.ok, report.problems
    automatic = {i.id: i for i in report.reference.items if i.id in AUTOMATIC_ITEMS}
    assert sorted(automatic) == sorted(AUTOMATIC_ITEMS)
    assert all(i.points == i.max_points for i in automatic.values())
    assert report.template.score == 0
    manual = [i for i in report.reference.items if i.id in MANUAL_ITEMS]
    assert len(manual) == len(MANUAL_ITEMS) and all(i.status is ItemStatus.MANUAL and i.points == 0 for i in manual)
    assert all(i.answer for i in manual), "the reference's prose must reach the TA"
    assert not key_leaks(load_rubric(PATHS.rubric_file), report.reference), "an answer key reached a student-facing output"
    assert not key_leaks(load_rubric(PATHS.rubric_file), report.template), "an answer key reached a student-facing output"
    assert check_template_fresh(ASSIGNMENT) == []
    template = yaml.safe_load((PATHS.template_dir / "answers.yaml").read_text())
    assert set(template) == set(yaml.safe_load(REFERENCE_ANSWERS.read_text())) and not any(template.values())


def _grade_answers(tmp_path: Path, text: str):
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "answers.yaml").write_text(text)
    return grade(submission, assignment=ASSIGNMENT)


GROUPS = disjoint_groups(VARIANTS)


@pytest.mark.parametrize("group", GROUPS, ids=[g[0].id + (f"+{len(g) - 1}" if len(g) > 1 else "") for g in GROUPS])
def test_variants_lose_exactly_their_items(group, tmp_path):
    changes = {key: val for variant in group for key, val in variant.changes.items()}
    result = _grade_answers(tmp_path, answers_with(REFERENCE_ANSWERS, changes))
    assert result.outcome is Outcome.GRADED, result.reason
    lost = {i.id for i in result.items if i.id in AUTOMATIC_ITEMS and i.points < i.max_points}
    table = {i.id: f"{i.points:g}/{i.max_points:g}: {' | '.join(i.messages)[:300]}" for i in result.items}
    for variant in group:
        assert set(variant.loses) <= lost, f"{variant.id} ({variant.why}) kept {variant.loses}\n{table}"
    expected = {item for variant in group for item in variant.loses}
    assert lost == expected, f"lost {sorted(lost - expected)} that no variant of the group should\n{table}"
    for item in result.items:
        if item.id in expected:
            assert len(item.messages) > 1, f"{item.id} lost points without saying why: {item.messages}"


def test_every_item_is_proven_both_ways():
    wrong = {item for v in VARIANTS for item in v.loses}
    assert wrong == set(AUTOMATIC_ITEMS), f"no wrong answer for {sorted(set(AUTOMATIC_ITEMS) - wrong)}"
    right = {item_of(key) for v in VARIANTS if not v.loses for key in v.changes}
    assert right == set(AUTOMATIC_ITEMS), f"no equivalent answer for {sorted(set(AUTOMATIC_ITEMS) - right)}"


def test_messages_never_show_the_key(tmp_path):
    wrong = {"1.1.2": ["F", "H", "W"], "1.3.3.parameters": "n", "1.3.5.n1": "a1", "1.3.6.last": "T"}
    result = _grade_answers(tmp_path, answers_with(REFERENCE_ANSWERS, wrong))
    said = " ".join(m for i in result.items for m in i.messages)
    for secret in ("D*(K - 1)", "3*(k + 1)", "Q1*k1", "T + k", "K1*q1"):
        assert secret not in said


@pytest.mark.parametrize("text, said", [
    ("1.1.1: [5, 2\n", "could not be read"),
    ("- [5, 2]\n- F\n", "mapping"),
])
def test_unusable_answers_file_is_zero_with_a_reason(tmp_path, text, said):
    """Not YAML, or not a mapping: every item says why (aliases etc. are covered in tests/engine)."""
    result = _grade_answers(tmp_path, text)
    assert result.outcome is Outcome.GRADED, result.reason
    assert result.score == 0
    for item in result.items:
        if item.id in AUTOMATIC_ITEMS:
            assert said in " ".join(item.messages), (item.id, item.messages)
        else:  # manual items say the answer is missing; the file's problem is a warning of the result
            assert item.status is ItemStatus.MANUAL and item.points == 0 and item.messages
    assert any(said in warning for warning in result.warnings), result.warnings


MALFORMED = [
    ({"1.3.5.n1": "__import__('os').system('touch /tmp/pwned')"}, "1.3.5.n1", "not allowed"),
    ({"1.3.3.parameters": "3*(k+1)n**2"}, "1.3.3", "products with *"),
    ({"1.1.3.a.index": "2*(r - 1) + k + y"}, "1.1.3.a", "unknown name 'y'"),
    ({"1.1.2": "F x H x W"}, "1.1.2", "list of 3 formulas"),
    ({"1.1.1": {"height": 5}}, "1.1.1", "list of whole numbers"),
    ({"1.1.3.d.entry": ["g1"]}, "1.1.3.d", "quoted string"),
    ({"1.4.4.loss": "about 1.4"}, "1.4.4", "1.4.4.loss"),
    ({"1.3.6.first": "T.__class__"}, "1.3.6", "not allowed"),
    ({"1.2.3.entry": "d1*" * 200 + "x1"}, "1.2.3", "characters"),
]


def test_malformed_answers_lose_their_item_with_a_message(tmp_path):
    """One submission holds every malformed entry (each in a different item): each loses its item, no crash."""
    changes = {key: val for case, _, _ in MALFORMED for key, val in case.items()}
    assert len(changes) == len(MALFORMED)
    result = _grade_answers(tmp_path, answers_with(REFERENCE_ANSWERS, changes))
    assert result.outcome is Outcome.GRADED, result.reason
    lost = {i.id: " ".join(i.messages) for i in result.items if i.id in AUTOMATIC_ITEMS and i.points < i.max_points}
    assert set(lost) == {item for _, item, _ in MALFORMED}, lost
    for _, item, said in MALFORMED:
        assert said in lost[item], (item, lost[item])
    assert not Path("/tmp/pwned").exists()
