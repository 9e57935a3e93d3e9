"""Part 3: networks set by hand, checked by what they compute on a grid (every right answer passes)."""

import pytest
import torch

ACTIVATIONS = {"relu": torch.relu, "sigmoid": torch.sigmoid}


def _evaluate(net, x, what):
    """The student's network ``{"activation", "layers": [(W, b), ...]}`` applied to ``x`` (N x in)."""
    if not isinstance(net, dict) or "layers" not in net or net.get("activation") not in ACTIVATIONS:
        pytest.fail(f"{what} should be a dict {{'activation': 'relu' or 'sigmoid', 'layers': [(W, b), ...]}}; "
                    f"got {net!r:.120}", pytrace=False)
    layers = net["layers"]
    if not isinstance(layers, (list, tuple)) or not 2 <= len(layers) <= 3:
        pytest.fail(f"{what} should have 1 or 2 hidden layers and an output layer (2 or 3 (W, b) pairs); it has "
                    f"{len(layers) if isinstance(layers, (list, tuple)) else 'no list of'} layers", pytrace=False)
    act = ACTIVATIONS[net["activation"]]
    h = x
    for i, layer in enumerate(layers):
        try:
            W, b = (torch.as_tensor(v, dtype=torch.float64) for v in layer)
            h = h @ W.reshape(W.shape[0], -1).T + b.reshape(-1)
        except Exception as exc:  # noqa: BLE001 - the student's numbers may have any shape
            pytest.fail(f"{what}: layer {i + 1} does not fit its input ({type(exc).__name__}: {exc})", pytrace=False)
        if i < len(layers) - 1:
            h = act(h)
    if h.shape[-1] != 1:
        pytest.fail(f"{what} should have one output; it has {h.shape[-1]}", pytrace=False)
    return h[:, 0]


def _check(got, expected, x, what, tol):
    err = (got - expected).abs()
    if not bool((err <= tol).all()):
        worst = int(err.argmax())
        pytest.fail(f"{what} computes {float(got[worst]):.4g} at x = {x[worst].tolist()}; expected "
                    f"{float(expected[worst]):.4g} (tolerance {tol})", pytrace=False)


def test_xnor(student):
    x = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float64)
    _check(_evaluate(student.xnor_net, x, "xnor_net"), torch.tensor([1.0, 0, 0, 1], dtype=torch.float64), x,
           "xnor_net", 0.1)


def test_triangle(student):
    x = torch.linspace(-1, 2, 301, dtype=torch.float64)[:, None]
    t = x[:, 0]
    expected = torch.where((t >= 0) & (t <= 0.5), 2 * t, torch.where((t > 0.5) & (t <= 1), 2 * (1 - t), 0 * t))
    _check(_evaluate(student.triangle_net, x, "triangle_net"), expected, x, "triangle_net", 0.02)


@pytest.mark.parametrize("s", [0.5, 1.3])
def test_soft_threshold(student, s):
    x = torch.linspace(-3, 3, 241, dtype=torch.float64)[:, None]
    t = x[:, 0]
    expected = torch.clamp(t.abs() - s, min=0) * torch.sign(t)
    _check(_evaluate(student.soft_threshold_net(s), x, f"soft_threshold_net({s})"), expected, x,
           f"soft_threshold_net({s})", 0.02)
