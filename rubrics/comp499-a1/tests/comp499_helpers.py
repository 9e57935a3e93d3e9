"""Shared helpers of the comp499-a1 hidden tests (trusted side): comparisons with messages a
student can act on, and static checks of one function of the notebook by its AST."""

from __future__ import annotations

import ast

import numpy as np
import pytest
import torch

__all__ = ["as_tensor", "assert_close", "function_source", "calls_in", "AUTOGRAD_ATTRIBUTES", "AUTOGRAD_NAMES",
           "REVERSE_ATTRIBUTES", "REVERSE_NAMES"]


def as_tensor(value, what: str, shape=None) -> torch.Tensor:
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(value)
    if not isinstance(value, torch.Tensor):
        pytest.fail(f"{what} should be a torch tensor; it is a {type(value).__name__}", pytrace=False)
    if shape is not None and tuple(value.shape) != tuple(shape):
        pytest.fail(f"{what} has shape {tuple(value.shape)}; expected {tuple(shape)}", pytrace=False)
    if not torch.isfinite(value).all():
        pytest.fail(f"{what} holds NaN or inf values", pytrace=False)
    return value.detach().to(torch.float64)


def assert_close(got, expected: torch.Tensor, what: str, *, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    got = as_tensor(got, what, expected.shape)
    expected = expected.detach().to(torch.float64)
    bad = ~torch.isclose(got, expected, rtol=rtol, atol=atol)
    if bad.any():
        err = (got - expected).abs()
        worst = int(err.argmax())
        pytest.fail(f"{what}: {int(bad.sum())} of {bad.numel()} values differ; max abs error {float(err.max()):.3g} "
                    f"(got {float(got.reshape(-1)[worst]):.6g}, expected {float(expected.reshape(-1)[worst]):.6g} at flat "
                    f"index {worst})", pytrace=False)


def function_source(cells, name: str) -> ast.FunctionDef | None:
    """The last definition of ``name`` in the notebook's code cells (magics and ``!`` lines dropped)."""
    found = None
    for cell in cells:
        if cell.kind != "code":
            continue
        lines = [ln for ln in cell.source.split("\n") if not ln.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                found = node
    return found


#: what gives autograd away inside a function: attributes (``x.backward()``, ``torch.autograd.grad``,
#: ``t.grad``, ``torch.func.jacrev``) and names imported bare (``from torch.func import jacrev``)
AUTOGRAD_ATTRIBUTES = frozenset({"backward", "grad", "autograd", "gradcheck", "gradgradcheck", "jacrev", "jacfwd",
                                 "vjp", "jvp", "jacobian", "hessian", "forward_ad"})
AUTOGRAD_NAMES = frozenset({"gradcheck", "gradgradcheck", "jacrev", "jacfwd", "vjp", "jvp", "jacobian"})
#: reverse mode only (forward mode may use jvp, jacfwd, forward_ad)
REVERSE_ATTRIBUTES = frozenset({"backward", "grad", "jacrev", "vjp", "jacobian", "hessian"})
REVERSE_NAMES = frozenset({"jacrev", "vjp", "jacobian_reverse"})


def calls_in(node: ast.AST, attributes: frozenset[str], names: frozenset[str]) -> set[str]:
    """The forbidden attributes and bare names used inside ``node`` (a local variable called ``grad``
    is fine; ``t.grad`` and ``torch.autograd.grad`` are not)."""
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr in attributes:
            found.add(sub.attr)
        elif isinstance(sub, ast.Name) and sub.id in names:
            found.add(sub.id)
    return found
