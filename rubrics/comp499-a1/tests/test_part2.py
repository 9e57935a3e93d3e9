"""Part 2: the Jacobian of a deep tanh network by reverse mode and by forward mode, the benchmark."""

import math

import pytest
import torch

from comp499_helpers import REVERSE_ATTRIBUTES, REVERSE_NAMES, assert_close, calls_in, function_source

D, K, P = 2, 30, 10


def _weights(rng, L):
    w = {"W1": torch.tensor(rng.standard_normal((K, D)) / math.sqrt(D))}
    for i in range(2, L + 1):
        w[f"W{i}"] = torch.tensor(rng.standard_normal((K, K)) / math.sqrt(K))
    w["WF"] = torch.tensor(rng.standard_normal((P, K)) / math.sqrt(K))
    return w


def _f(weights):
    L = len(weights) - 1

    def f(x):
        h = x
        for i in range(1, L + 1):
            h = torch.tanh(weights[f"W{i}"] @ h)
        return weights["WF"] @ h
    return f


def _expected(weights, x):
    return torch.func.jacrev(_f(weights))(x)


@pytest.mark.parametrize("seed", range(2))
def test_jacobian_reverse(student, rng, seed):
    w, x = _weights(rng, 3), torch.tensor(rng.standard_normal(D))
    assert_close(student.jacobian_reverse(x, w), _expected(w, x), "jacobian_reverse(x, weights) for L = 3",
                 rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("L", [3, 5, 10])
def test_jacobian_forward(student, rng, L):
    w, x = _weights(rng, L), torch.tensor(rng.standard_normal(D))
    assert_close(student.jacobian_forward(x, w), _expected(w, x), f"jacobian_forward(x, weights) for L = {L}",
                 rtol=1e-4, atol=1e-6)


def test_forward_mode_only(student, rng, notebook_cells):
    """jacobian_forward runs with torch's reverse-mode entry points replaced by ones that raise, and
    its source uses none of them; it must still give the right Jacobian."""
    w, x = _weights(rng, 5), torch.tensor(rng.standard_normal(D))
    got = student.probe.comp499_no_reverse_mode(student.jacobian_forward, x, w)
    assert_close(got, _expected(w, x), "jacobian_forward(x, weights) with reverse mode switched off",
                 rtol=1e-4, atol=1e-6)
    node = function_source(notebook_cells, "jacobian_forward")
    if node is None:
        pytest.fail("no `def jacobian_forward` in the notebook's code cells", pytrace=False)
    used = calls_in(node, REVERSE_ATTRIBUTES, REVERSE_NAMES)
    if used:
        pytest.fail(f"jacobian_forward uses {', '.join(sorted(used))}: that is reverse mode", pytrace=False)


def test_benchmark_results(student):
    results = student.benchmark_results
    if not isinstance(results, dict):
        pytest.fail(f"benchmark_results should be a dict {{L: {{'reverse': s, 'forward': s}}}}; it is a "
                    f"{type(results).__name__}", pytrace=False)
    for L in (3, 5, 10):
        entry = results.get(L, results.get(str(L)))
        if not isinstance(entry, dict):
            pytest.fail(f"benchmark_results has no entry for L = {L} (keys: {sorted(map(str, results))})",
                        pytrace=False)
        for mode in ("reverse", "forward"):
            value = entry.get(mode)
            if not isinstance(value, (int, float)) or not (0 < value < 60):
                pytest.fail(f"benchmark_results[{L}][{mode!r}] should be the seconds per call, a positive "
                            f"number; it is {value!r}", pytrace=False)
