"""Static constraints see through aliases and dynamic tricks."""

from __future__ import annotations

import pytest

from grader.checks.constraint import find_violations
from grader.rubric.schema import ConstraintCheck

RULES = ConstraintCheck(kind="constraint", file="mlp.py", forbid_imports=("torch.nn", "torch.autograd"),
                        forbid_names=("torch.nn", "torch.autograd"), forbid_attributes=("requires_grad",),
                        forbid_method_calls=("backward",))


@pytest.mark.parametrize("source, expected", [
    ("import torch.nn as nn\n", "imports torch.nn"),
    ("from torch import nn\n", "imports torch.nn"),
    ("from torch.nn import functional as F\n", "imports from torch.nn"),
    ("import torch\ny = torch.nn.functional.relu(x)\n", "uses torch.nn.functional.relu"),
    ("import torch as T\ny = T.nn.Linear(2, 3)\n", "uses torch.nn.Linear"),
    ("import torch\ng = torch.autograd.grad(y, x)\n", "uses torch.autograd.grad"),
    ("import torch\nx = torch.zeros(3, requires_grad=True)\n", "passes requires_grad"),
    ("x.requires_grad = True\n", "uses .requires_grad"),
    ("loss.backward()\n", "calls .backward()"),
    ("m = __import__('torch.nn')\n", "imports dynamically"),
    ("import importlib\nm = importlib.import_module('torch.nn')\n", "imports dynamically"),
    ("import torch\nf = getattr(torch, 'nn')\n", "through getattr"),
    ("def f(:\n", "SyntaxError"),
])
def test_forbidden_uses_are_found(source, expected):
    found = find_violations(source, RULES)
    assert any(expected in v.text for v in found), found


@pytest.mark.parametrize("source", [
    "import torch\ny = torch.sigmoid(x) @ W.T + torch.clamp(x, min=0)\n",
    "class MLP:\n    def backward(self, d):\n        self.backward_helper(d)\n        return self.backward(d)\n",
    "from . import helpers\n",
])
def test_allowed_code_passes(source):
    assert find_violations(source, RULES) == []


def test_violations_carry_line_numbers_once_per_chain():
    found = find_violations("import torch\n\n\nz = torch.nn.functional.relu(x)\n", RULES)
    assert [(v.line, v.text) for v in found] == [(4, "uses torch.nn.functional.relu")]
