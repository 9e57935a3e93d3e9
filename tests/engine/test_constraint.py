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


@pytest.mark.parametrize("source, expected", [
    ("import torch\nf = getattr(torch, 'auto' + 'grad')\n", "computed at run time"),
    ("import torch\nname = 'nn'\nsetattr(torch, name, None)\n", "computed at run time"),
    ("import operator\nf = operator.attrgetter('requires_grad')(x)\n", "uses .requires_grad through"),
    ("x = getattr(t, 'requires_grad')\n", "uses .requires_grad through getattr"),
    ("m = __import__('torch.' + 'nn')\n", "a module named at run time"),
    ("import importlib\nm = importlib.import_module('torch.autograd.grad')\n", "imports dynamically torch.autograd"),
    ("eval('torch.nn')\n", "calls eval()"),
    ("exec(code)\n", "calls exec()"),
    ("c = compile('1', 'x', 'eval')\n", "calls compile()"),
    ("import graderworker.probes.common as p\n", "imports graderworker"),
    ("from graderworker import server\n", "imports from graderworker"),
    ("import torch\nf = torch._C._nn.linear\n", "uses torch._C"),
    ("from torch import _C\n", "imports torch._C"),
    ("import torch\ntorch.ops.aten.mm(a, b)\n", "uses torch.ops"),
    ("import ctypes\n", "imports ctypes"),
    ("import gc\nobjs = gc.get_objects()\n", "imports gc"),
    ("import sys\nsys.modules['torch'].nn\n", "uses sys.modules"),
    ("from sys import modules\n", "imports sys.modules"),
    ("import torch\nns = vars(torch)\n", "vars(torch)"),
    ("import torch\nns = torch.__dict__['nn']\n", "torch.__dict__"),
    ("f = (lambda: 0).__globals__['__builtins__']\n", "__globals__"),
    ("b = __builtins__\n", "__builtins__"),
    ("import builtins\n", "imports builtins"),
    ("import importlib.util\n", "imports importlib.util"),
])
def test_tricks_that_hide_a_name_are_violations(source, expected):
    found = find_violations(source, ConstraintCheck(kind="constraint", file="mlp.py",
                                                    forbid_imports=("torch.autograd",),
                                                    forbid_names=("torch.autograd", "torch.nn"),
                                                    forbid_attributes=("requires_grad",)))
    assert any(expected in v.text for v in found), found


@pytest.mark.parametrize("source", [
    "import importlib\nm = importlib.import_module('numpy')\n",
    "x = getattr(self, 'weight')\n",
    "import re\np = re.compile('a+')\n",
    "import torch\nf = torch.compile\n",
    "d = vars(args)\n",
])
def test_constant_and_unrelated_uses_pass(source):
    assert find_violations(source, RULES) == []


def _item(**rules):  # type: ignore[no-untyped-def]
    from grader.rubric.schema import Item

    return Item(id="r", title="rules", points=1, check=ConstraintCheck(kind="constraint", **rules))


def test_the_import_closure_is_scanned_not_only_the_named_file(tmp_path):
    from grader.checks.constraint import import_closure, score_constraint_item

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from . import other\n")
    (tmp_path / "pkg" / "other.py").write_text("import torch.nn\n")  # not imported by mlp: not scanned
    (tmp_path / "pkg" / "conv.py").write_text("from .helpers import fast\nimport util\n")
    (tmp_path / "pkg" / "helpers.py").write_text("fast = 1\n")
    (tmp_path / "util.py").write_text("from deep import go\n")
    (tmp_path / "deep.py").write_text("import torch\ngo = torch.autograd.grad\n")
    assert import_closure(tmp_path, "pkg/conv.py") == ["pkg/conv.py", "pkg/helpers.py", "util.py", "deep.py"]
    item = _item(file="pkg/conv.py", forbid_names=("torch.autograd",))
    result = score_constraint_item(item, tmp_path)
    assert result.points == 0 and any("deep.py:2 uses torch.autograd.grad" in m for m in result.messages), result
    trusted = score_constraint_item(item, tmp_path, trusted=frozenset({"util.py"}))
    assert trusted.points == 1, trusted
    (tmp_path / "deep.py").write_text("go = 1\n")
    assert score_constraint_item(item, tmp_path).points == 1


def test_a_nested_file_is_unreadable_not_a_crash():
    found = find_violations("x = " + "(" * 100_000 + ")" * 100_000 + "\n", RULES)
    assert found and "could not be read" in found[0].text
