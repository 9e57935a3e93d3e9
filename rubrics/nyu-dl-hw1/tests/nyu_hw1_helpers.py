"""Shared helpers of the nyu-dl-hw1 hidden tests (trusted side).

- ``assert_close``: compares what the student's code returned with what the reference
  twin computed and fails with a message a student can act on: type first, then shape,
  then NaN/inf, then "k of n elements differ, max abs err ... at index ...", with a small
  table of the worst elements; never a whole tensor.
- ``Twin``: the same two-layer network built from ``torch.nn`` layers in float64, whose
  gradients come from autograd. It is built from the parameters the test loaded into the
  student's ``MLP``, so both compute the same function.
- Input makers that draw from the grader's seeded ``rng`` (a numpy ``Generator``).

The module has a name of its own (not ``helpers``) so that it cannot collide with
another assignment's helpers in ``sys.modules``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

__all__ = [
    "ACTIVATIONS",
    "PAIRS",
    "GRAD_OF",
    "pair_params",
    "randn",
    "uniform",
    "random_parameters",
    "make_mlp",
    "describe",
    "Twin",
    "mse_twin",
    "bce_twin",
    "upstream_gradient",
    "unpack_loss",
    "get_grads",
    "check_close",
    "assert_close",
    "assert_grads_close",
]

ACTIVATIONS = ("relu", "sigmoid", "identity")
#: every (f, g) pair, f the hidden activation and g the output activation
PAIRS = [(f, g) for f in ACTIVATIONS for g in ACTIVATIONS]
GRAD_OF = {"dJdW1": "W1", "dJdb1": "b1", "dJdW2": "W2", "dJdb2": "b2"}

#: how close a float32 computation must come to the float64 twin
ATOL = 1e-5
RTOL = 1e-3


def pair_params(pairs=PAIRS):
    """``pytest.param(f, g, id="f-g")`` for each pair, for readable test ids."""
    return [pytest.param(f, g, id=f"{f}-{g}") for f, g in pairs]


# ----------------------------------------------------------------------------- inputs


def randn(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> torch.Tensor:
    return torch.from_numpy((rng.standard_normal(shape) * scale).astype(np.float32))


def uniform(rng: np.random.Generator, low: float, high: float, *shape: int) -> torch.Tensor:
    return torch.from_numpy(rng.uniform(low, high, size=shape).astype(np.float32))


def random_parameters(rng, n_in: int, hidden: int, n_out: int, *, w_scale: float = 1.0, b_scale: float = 0.5):
    """Parameters with the interface's shapes (W is out x in), of moderate size."""
    return {
        "W1": randn(rng, hidden, n_in, scale=w_scale / math.sqrt(n_in)),
        "b1": randn(rng, hidden, scale=b_scale),
        "W2": randn(rng, n_out, hidden, scale=w_scale / math.sqrt(hidden)),
        "b2": randn(rng, n_out, scale=b_scale),
    }


def make_mlp(student, rng, n_in: int, hidden: int, n_out: int, f: str, g: str, params=None):
    """Build the student's ``MLP(n_in, hidden, f, hidden, n_out, g)`` and load parameters into it.

    Returns ``(handle, params)``; the parameters are drawn from ``rng`` unless given. Like the
    course's tests, it calls ``clear_grad_and_cache()`` before the first forward pass, so a
    backward that accumulates into the gradients (``+=``) and one that assigns them agree.
    """
    net = student.mlp.MLP(n_in, hidden, f, hidden, n_out, g)
    if params is None:
        params = random_parameters(rng, n_in, hidden, n_out)
    student.probe.load_parameters(net, params)
    net.clear_grad_and_cache()
    return net, params


def describe(f: str, g: str, n_in: int, hidden: int, n_out: int, batch: int) -> str:
    return f"MLP({n_in}, {hidden}, {f!r}, {hidden}, {n_out}, {g!r}) on a batch of {batch}"


# ----------------------------------------------------------------------------- the twin

_TORCH_ACTIVATION = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "identity": nn.Identity}


class Twin:
    """``nn.Linear -> f -> nn.Linear -> g`` in float64 with the given parameters."""

    def __init__(self, params: dict, f: str, g: str):
        hidden, n_in = params["W1"].shape
        n_out = params["W2"].shape[0]
        self.linear_1 = nn.Linear(n_in, hidden, dtype=torch.float64)
        self.linear_2 = nn.Linear(hidden, n_out, dtype=torch.float64)
        with torch.no_grad():
            self.linear_1.weight.copy_(params["W1"])
            self.linear_1.bias.copy_(params["b1"])
            self.linear_2.weight.copy_(params["W2"])
            self.linear_2.bias.copy_(params["b2"])
        self.net = nn.Sequential(self.linear_1, _TORCH_ACTIVATION[f](), self.linear_2, _TORCH_ACTIVATION[g]())

    def output(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.net(x.double())

    def gradients(self, x: torch.Tensor, upstream: torch.Tensor) -> dict:
        """The four parameter gradients for ``y_hat.backward(upstream)``."""
        self.net.zero_grad(set_to_none=True)
        self.net(x.double()).backward(upstream.double())
        return {
            "dJdW1": self.linear_1.weight.grad.detach().clone(),
            "dJdb1": self.linear_1.bias.grad.detach().clone(),
            "dJdW2": self.linear_2.weight.grad.detach().clone(),
            "dJdb2": self.linear_2.bias.grad.detach().clone(),
        }


def _loss_twin(loss: nn.Module, y: torch.Tensor, y_hat: torch.Tensor):
    leaf = y_hat.detach().double().clone().requires_grad_(True)
    value = loss(leaf, y.detach().double())
    value.backward()
    return value.detach(), leaf.grad.detach()


def mse_twin(y, y_hat):
    """``(J, dJdy_hat)`` of ``nn.MSELoss`` (mean over all elements), by autograd."""
    return _loss_twin(nn.MSELoss(), y, y_hat)


def bce_twin(y, y_hat):
    """``(J, dJdy_hat)`` of ``nn.BCELoss`` (mean over all elements), by autograd."""
    return _loss_twin(nn.BCELoss(), y, y_hat)


def upstream_gradient(kind: str, y_hat: torch.Tensor, rng) -> torch.Tensor:
    """A ``dJdy_hat`` (float32) for the twin's output ``y_hat``.

    ``mse``/``bce``: the gradient of that loss against random targets, computed by the
    grader (not by the student's loss, so that a wrong loss does not cost backward points);
    ``random``: an arbitrary upstream gradient.
    """
    shape = tuple(y_hat.shape)
    if kind == "mse":
        _, grad = mse_twin(randn(rng, *shape), y_hat)
    elif kind == "bce":
        targets = torch.from_numpy((rng.random(shape) < 0.5).astype(np.float32))
        _, grad = bce_twin(targets, y_hat)
    elif kind == "random":
        grad = randn(rng, *shape, scale=0.3)
    else:  # pragma: no cover - a typo in a test
        raise ValueError(kind)
    return grad.float()


# ----------------------------------------------------------------------------- results


def unpack_loss(result, name: str):
    """Split a loss function's result into ``(J, dJdy_hat)`` or fail with a clear message."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        kind = type(result).__name__
        size = f" of length {len(result)}" if isinstance(result, (tuple, list)) else ""
        pytest.fail(f"{name} should return a pair (J, dJdy_hat); it returned a {kind}{size}", pytrace=False)
    return result[0], result[1]


def get_grads(net, context: str) -> dict:
    """``net.grads`` as a local dict, or fail saying what is wrong with it."""
    grads = net.grads
    if not isinstance(grads, dict):
        pytest.fail(
            f"{context}: MLP.grads should be a dict with keys {', '.join(GRAD_OF)}; it is a {type(grads).__name__}",
            pytrace=False,
        )
    missing = [name for name in GRAD_OF if name not in grads]
    if missing:
        pytest.fail(
            f"{context}: MLP.grads has no {', '.join(map(repr, missing))} "
            f"(keys: {', '.join(map(repr, grads)) or 'none'})",
            pytrace=False,
        )
    return grads


def _fmt_index(index) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def _to_tensor(value):
    """A float64 tensor, or a string saying why the value is not one."""
    if value is None:
        return "got None (nothing returned or stored?)"
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            return f"got a complex tensor ({value.dtype})"
        return value.detach().to(torch.float64)
    if isinstance(value, (np.ndarray, np.generic)):
        try:
            return torch.from_numpy(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError):
            return f"got a numpy array of dtype {value.dtype}"
    if isinstance(value, (bool, int, float)):
        return torch.tensor(float(value), dtype=torch.float64)
    return f"got a {type(value).__name__}, expected a torch.Tensor"


def check_close(got, expected, what: str, *, atol: float = ATOL, rtol: float = RTOL, scalar: bool = False):
    """``None`` when ``got`` matches ``expected``, else a message for the student.

    ``scalar``: any one-element tensor (or a number) is accepted for a scalar.
    """
    exp = expected.detach().to(torch.float64)
    got_t = _to_tensor(got)
    if isinstance(got_t, str):
        return f"{what}: {got_t}" + (f" of shape {tuple(exp.shape)}" if not scalar else " (a scalar)")
    if scalar:
        if got_t.numel() != 1:
            return f"{what}: expected a scalar, got a tensor of shape {tuple(got_t.shape)}"
        got_t, exp = got_t.reshape(()), exp.reshape(())
    elif tuple(got_t.shape) != tuple(exp.shape):
        return f"{what}: shape {tuple(got_t.shape)}, expected {tuple(exp.shape)}"

    n = exp.numel()
    bad_finite = ~torch.isfinite(got_t) & torch.isfinite(exp)
    if bad_finite.any():
        if not got_t.dim():
            return f"{what}: got {got_t.item()}, expected {exp.item():.6g}"
        k = int(bad_finite.sum())
        first = _fmt_index(torch.nonzero(bad_finite)[0].tolist())
        return f"{what}: {k} of {n} elements are NaN or inf (first at index {first}), expected finite values everywhere"
    err = (got_t - exp).abs()
    bad = err > atol + rtol * exp.abs()
    if not bad.any():
        return None
    if not exp.dim():
        return (
            f"{what}: got {got_t.item():.6g}, expected {exp.item():.6g} "
            f"(abs err {err.item():.4g}; tolerance {atol:g} + {rtol:g}*|expected|)"
        )
    k = int(bad.sum())
    flat_worst = torch.argsort(torch.where(bad, err, torch.zeros_like(err)).reshape(-1), descending=True)[: min(k, 3)]
    rows = []
    for flat in flat_worst.tolist():
        index = np.unravel_index(flat, tuple(exp.shape))
        rows.append(
            f"    {_fmt_index(index):<12} got {got_t.reshape(-1)[flat].item() + 0.0:<13.6g} "
            f"expected {exp.reshape(-1)[flat].item() + 0.0:.6g}"
        )
    worst = flat_worst[0].item()
    where = _fmt_index(np.unravel_index(worst, tuple(exp.shape)))
    head = (
        f"{what}: {k} of {n} elements differ (tolerance {atol:g} + {rtol:g}*|expected|); "
        f"max abs err {err.reshape(-1)[worst].item():.4g} at index {where}"
    )
    return head + "\n" + "\n".join(rows)


def assert_close(
    got, expected, what: str, *, atol: float = ATOL, rtol: float = RTOL, scalar: bool = False, hint: str = ""
):
    message = check_close(got, expected, what, atol=atol, rtol=rtol, scalar=scalar)
    if message is not None:
        pytest.fail(message + (f"\n  hint: {hint}" if hint else ""), pytrace=False)


def assert_grads_close(grads: dict, expected: dict, context: str, *, atol: float = ATOL, rtol: float = RTOL):
    """Compare all four gradients and report every one that is wrong, not just the first."""
    messages = []
    for name, param in GRAD_OF.items():
        message = check_close(grads.get(name), expected[name], f"{name} (gradient of {param})", atol=atol, rtol=rtol)
        if message is not None:
            messages.append(message)
    if messages:
        wrong = len(messages)
        pytest.fail(
            f"{context}: {wrong} of 4 gradients wrong\n" + "\n".join(messages),
            pytrace=False,
        )
