"""Formulas students write as answers, read safely and compared by what they compute.

``sympy.sympify`` runs ``eval`` on its input, so it never sees a student's string.
Here a formula is parsed with :mod:`ast` into a tree that may hold only numbers, the
names the item allows, + - * / ** and a few named functions; that tree is then built
into a sympy expression node by node. Sizes are capped before any algebra (characters,
nodes, constant exponents, integer literals, the formula's total degree), and the algebra
itself (``check_equivalent``, ``evaluate``, ``number``) runs in a helper process with a time
and memory bound of its own (``grader.checks.bounded``), so a hostile answer costs at most
that bound and fails only its own item, with a message.

Written answers often carry their left-hand side (``h3 = w*(x3 + w*x2)``) and ``^``
for powers; both are accepted.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import sympy

from grader.checks.bounded import BoundExceeded, run_bounded

__all__ = ["ExpressionError", "Verdict", "parse_expression", "check_equivalent", "evaluate", "number", "MAX_CHARS",
           "MAX_DEGREE"]

#: longest formula accepted, in characters
MAX_CHARS = 500
_MAX_NODES = 300
_MAX_CONSTANT_EXPONENT = 12
#: integer literals above this are refused (a parameter count fits; a digit bomb does not)
_MAX_INTEGER = 10**15
#: a bound on the formula's total degree, read from its tree before sympy sees it
MAX_DEGREE = 48
#: seconds and MiB one formula check may use (in the helper process)
_TIME_S = 10.0
_MEMORY_MB = 1024
#: algebra (expand, simplify) only on formulas this small; larger ones are compared by value
_ALGEBRA_MAX_OPS = 200
_ALGEBRA_MAX_DEGREE = 24
_SIMPLIFY_MAX_OPS = 80

_FUNCTIONS: dict[str, Callable[..., sympy.Expr]] = {
    "exp": sympy.exp, "log": sympy.log, "ln": sympy.log, "sqrt": sympy.sqrt,
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "tanh": sympy.tanh,
    "abs": sympy.Abs, "max": sympy.Max, "min": sympy.Min, "floor": sympy.floor, "ceil": sympy.ceiling,
    "sigmoid": lambda x: 1 / (1 + sympy.exp(-x)),
    "relu": lambda x: sympy.Max(0, x),
}
_CONSTANTS = {"pi": sympy.pi, "e": sympy.E}
_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b,
           ast.FloorDiv: lambda a, b: sympy.floor(a / b)}
_UNARY = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}
_LEFT_HAND_SIDE = re.compile(r"^\s*[A-Za-z_]\w*(?:\[[^\]]*\])?\s*=(?!=)")
_REPLACEMENTS = {"^": "**", "\u2212": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*"}


class ExpressionError(ValueError):
    """A formula that cannot be read; the message is for the student."""


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str
    #: "symbolic", "numeric" or "" when the answer could not be read
    method: str = ""


def parse_expression(text: str, symbols: Iterable[str]) -> sympy.Expr:
    """``text`` as a sympy expression over ``symbols``; raises ``ExpressionError`` with what to fix."""
    allowed = {name: sympy.Symbol(name, real=True) for name in symbols}
    source = _normalise(text)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        column = f" near column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"could not read {source!r}{column}: write products with * (2*w, not 2w) "
                              "and powers with ** or ^") from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > _MAX_NODES:
        raise ExpressionError(f"the formula is too long ({nodes} parts; at most {_MAX_NODES})")
    degree = _degree(tree.body, allowed)
    if degree > MAX_DEGREE:
        raise ExpressionError(f"the formula's degree is too large (up to {degree:g}; at most {MAX_DEGREE}): "
                              "write it in a simpler form")
    return _build(tree.body, allowed)


def check_equivalent(answer: str, expected: str, symbols: Iterable[str], *, rtol: float = 1e-6,
                     points: int = 20, seed: int = 0) -> Verdict:
    """Is ``answer`` the same function of ``symbols`` as ``expected``?

    First symbolically (expand, then simplify when small); when sympy cannot decide, by
    values at random points in [-2, 2] (points where the expected formula is undefined
    are skipped). The message never shows the expected formula. Runs under a time and
    memory bound: past it, the verdict is a fail that says so.
    """
    try:
        return run_bounded(_check_equivalent, answer, expected, list(symbols), rtol=rtol, points=points, seed=seed,
                           timeout_s=_TIME_S, memory_mb=_MEMORY_MB)
    except BoundExceeded as exc:
        return Verdict(False, f"Your formula {_shown(answer)} could not be checked: the check {exc}. "
                              "Write it in a simpler form.")


def _check_equivalent(answer: str, expected: str, names: list[str], *, rtol: float, points: int,
                      seed: int) -> Verdict:
    try:
        mine = parse_expression(answer, names)
    except ExpressionError as exc:
        return Verdict(False, f"Your formula {answer!r}: {exc}")
    key = parse_expression(expected, names)
    if _small_enough_for_algebra(mine - key):
        difference = sympy.expand(mine - key)
        if difference == 0 or (sympy.count_ops(difference) <= _SIMPLIFY_MAX_OPS
                               and sympy.simplify(difference) == 0):
            return Verdict(True, "Equal to the expected formula (checked symbolically).", "symbolic")
    return _compare_numerically(mine, key, names, rtol=rtol, points=points, seed=seed)


def evaluate(text: str, symbols: Iterable[str], values: Mapping[str, Any]) -> Any:
    """The formula's value with ``values`` (numbers or numpy arrays) substituted (time- and memory-bound)."""
    names = list(symbols)
    missing = [n for n in names if n not in values]
    if missing:
        raise ValueError(f"no value given for {', '.join(missing)}")
    try:
        return run_bounded(_evaluate, text, names, {n: values[n] for n in names}, timeout_s=_TIME_S,
                           memory_mb=_MEMORY_MB)
    except BoundExceeded as exc:
        raise ExpressionError(f"the formula could not be evaluated: the computation {exc}") from None


def number(text: str) -> complex:
    """A formula without symbols ("log(4)", "2**10") as a complex number (time- and memory-bound)."""
    try:
        return run_bounded(_number, text, timeout_s=_TIME_S, memory_mb=_MEMORY_MB)
    except BoundExceeded as exc:
        raise ExpressionError(f"the number could not be computed: the computation {exc}") from None


# -- run in the helper process (grader.checks.bounded) ------------------------------------


def _number(text: str) -> complex:
    return complex(parse_expression(text, []).evalf())


def _evaluate(text: str, names: list[str], values: Mapping[str, Any]) -> Any:
    function = _numeric(parse_expression(text, names), names)
    with np.errstate(all="ignore"):
        return function(*(np.asarray(values[n], dtype=float) for n in names))


# -- internals ---------------------------------------------------------------------------


def _shown(text: Any) -> str:
    shown = repr(str(text))
    return shown if len(shown) <= 80 else shown[:77] + "...'"


def _degree(node: ast.AST, allowed: Mapping[str, Any]) -> float:
    """An upper bound on the total degree the formula can expand to (functions count their argument's)."""
    if isinstance(node, ast.Name):
        return 1.0 if node.id in allowed else 0.0
    if isinstance(node, ast.UnaryOp):
        return _degree(node.operand, allowed)
    if isinstance(node, ast.Call):
        return max((_degree(a, allowed) for a in node.args), default=0.0)
    if isinstance(node, ast.BinOp):
        left, right = _degree(node.left, allowed), _degree(node.right, allowed)
        if isinstance(node.op, (ast.Add, ast.Sub)):
            return max(left, right)
        if isinstance(node.op, ast.Pow):
            exponent = node.right.operand if isinstance(node.right, ast.UnaryOp) else node.right
            if isinstance(exponent, ast.Constant) and type(exponent.value) in (int, float):
                return left * min(abs(float(exponent.value)), 1e6)
            return left + right  # a symbolic exponent cannot be expanded
        return left + right
    return 0.0


def _normalise(text: str) -> str:
    if not isinstance(text, str):
        text = str(text)
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"the formula is {len(text)} characters long; at most {MAX_CHARS}")
    for old, new in _REPLACEMENTS.items():
        text = text.replace(old, new)
    text = _LEFT_HAND_SIDE.sub("", text, count=1)  # ``h3 = ...``: keep the right-hand side
    text = text.strip().rstrip(".;").strip()
    if not text:
        raise ExpressionError("the formula is empty")
    return text


def _build(node: ast.AST, allowed: dict[str, sympy.Symbol]) -> sympy.Expr:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        if isinstance(node.value, int) and abs(node.value) > _MAX_INTEGER:
            raise ExpressionError(f"the number {str(node.value)[:20]}... is too large (at most {_MAX_INTEGER:.0e})")
        return sympy.Integer(node.value) if isinstance(node.value, int) else sympy.Float(node.value)
    if isinstance(node, ast.Name):
        if node.id in allowed:
            return allowed[node.id]
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise ExpressionError(f"unknown name {node.id!r}; use only {', '.join(allowed) or 'numbers'}"
                              f" (and {', '.join(sorted(_FUNCTIONS))})")
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _build(node.left, allowed), _build(node.right, allowed)
        if isinstance(node.op, ast.Pow) and right.is_number and abs(complex(right)) > _MAX_CONSTANT_EXPONENT:
            raise ExpressionError(f"the exponent {right} is too large (at most {_MAX_CONSTANT_EXPONENT})")
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_build(node.operand, allowed))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS:
        if node.keywords or not node.args or any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError(f"{node.func.id}(...) takes plain arguments")
        try:
            return _FUNCTIONS[node.func.id](*(_build(a, allowed) for a in node.args))
        except TypeError:
            raise ExpressionError(f"{node.func.id}(...) got the wrong number of arguments") from None
    shown = ast.unparse(node) if hasattr(ast, "unparse") else type(node).__name__
    raise ExpressionError(f"{shown!r} is not allowed in a formula: use numbers, "
                          f"{', '.join(allowed) or 'no names'}, + - * / ** and {', '.join(sorted(_FUNCTIONS))}")


def _small_enough_for_algebra(expression: sympy.Expr) -> bool:
    """Expanding ``(a + b + c)**k`` grows fast; past these sizes only values are compared."""
    if sympy.count_ops(expression) > _ALGEBRA_MAX_OPS:
        return False
    for power in expression.atoms(sympy.Pow):
        exponent = power.exp
        if exponent.is_number and abs(complex(exponent)) > _ALGEBRA_MAX_DEGREE:
            return False
    return True


def _numeric(expression: sympy.Expr, names: list[str]) -> Callable[..., Any]:
    # lambdify prints our own tree (whitelisted nodes only) to numpy code; no student text reaches it
    return sympy.lambdify([sympy.Symbol(n, real=True) for n in names], expression, modules="numpy")


def _compare_numerically(mine: sympy.Expr, key: sympy.Expr, names: list[str], *, rtol: float, points: int,
                         seed: int) -> Verdict:
    rng = np.random.default_rng(seed)
    f_mine, f_key = _numeric(mine, names), _numeric(key, names)
    compared = 0
    for _ in range(points * 5):
        sample = rng.uniform(-2.0, 2.0, size=len(names))
        with np.errstate(all="ignore"):
            try:
                expected = complex(f_key(*sample))
                got = complex(f_mine(*sample))
            except (ZeroDivisionError, OverflowError, ValueError):
                continue
        if not (math.isfinite(expected.real) and math.isfinite(expected.imag)):
            continue
        compared += 1
        if not abs(got - expected) <= rtol * max(1.0, abs(expected)):
            where = ", ".join(f"{n}={v:.3g}" for n, v in zip(names, sample))
            shown = f"{got.real:.6g}" if abs(got.imag) < 1e-12 else f"{got:.6g}"
            return Verdict(False, f"Your formula gives a different value from the correct one "
                                  f"(at {where} it gives {shown}).", "numeric")
        if compared >= points:
            break
    if compared < min(points, 5):
        return Verdict(False, "Your formula could not be compared: it is undefined at most test points.", "numeric")
    return Verdict(True, f"Equal to the expected formula at {compared} random points.", "numeric")
