"""5.1 MyDataset and 5.2 SingleLayer / Siren: checked without training.

The dataset is read in full in the worker (``dataset_arrays``) and compared with the grader's
own cameraman (``grader.datasets.load_cameraman``, area-shrunk to 256, mapped to [-1, 1]) and
coordinate grid (row, column in [-1, 1], row-major). Weight initialisations are checked as
distributions: every weight inside the bound, and a Kolmogorov-Smirnov distance to the
uniform law below the 0.1 % critical value (the worker's seed is fixed per test, so the
outcome is reproducible).
"""

import math

import numpy as np
import pytest
import torch
from cs446_helpers import cameraman_target, fail

from grader.checks.session import StudentCodeError

SIDE = 256
#: Kolmogorov-Smirnov critical value at the 0.1 % level (asymptotic): 1.95 / sqrt(n)
KS_LEVEL = 1.95
OMEGA = {"sin": 30.0, "tanh": 1.0, "relu": 1.0, None: 1.0}


@pytest.fixture(scope="session")
def _datasets():
    return {}


@pytest.fixture
def dataset(student, _datasets):
    """The student's MyDataset(256) read in full once per grading session (65,536 items)."""
    if "data" not in _datasets:
        try:
            _datasets["data"] = student.probe.dataset_arrays(student.siren.MyDataset(SIDE))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - each test that needs it fails with this message
            _datasets["data"] = f"MyDataset({SIDE}) could not be read: {str(exc).strip() or type(exc).__name__}"
    if isinstance(_datasets["data"], str):
        fail(_datasets["data"])
    return _datasets["data"]


def _grid(side):
    axis = np.linspace(-1.0, 1.0, side, dtype=np.float32)
    rows, cols = np.meshgrid(axis, axis, indexing="ij")
    return np.stack([rows, cols], axis=-1).reshape(-1, 2)


def test_dataset_length(student):
    """One item per pixel, and the last one can be read."""
    for side in (SIDE, 32):
        dataset = student.siren.MyDataset(side)
        count = len(dataset)
        if count != side * side:
            fail(f"len(MyDataset({side})) = {count}; expected {side * side} (one item per pixel)")
        last = dataset[count - 1]
        if not isinstance(last, (tuple, list)) or len(last) != 2:
            fail(f"MyDataset({side})[{count - 1}] should be a pair (coords, pixel); got {type(last).__name__}")


def test_dataset_item_types(dataset):
    if dataset["shapes"] != [[2], [1]]:
        fail(f"dataset[0] should be (coords of shape (2,), pixel of shape (1,)); got shapes {dataset['shapes']} "
             f"and types {dataset['types']}")


def test_dataset_pixels_normalised(dataset):
    pixels = dataset["pixels"][:, 0]
    low, high = float(pixels.min()), float(pixels.max())
    if low < -1.0 - 1e-5 or high > 1.0 + 1e-5 or high - low < 1.5:
        fail(f"the pixels range over [{low:.3f}, {high:.3f}]; they should be normalised to [-1, 1] "
             "(grey level g in [0, 1] -> 2 g - 1)")
    target = cameraman_target(SIDE).reshape(-1)
    error = np.abs(pixels - target)
    if error.max() > 1e-4:
        k = int(np.argmax(error))
        fail(f"{int((error > 1e-4).sum())} of {len(target)} pixels differ from the cameraman image at 256 x 256 "
             f"in [-1, 1] (item {k}: {pixels[k]:.4f}, expected {target[k]:.4f}); dataset[i] must be pixel "
             f"i = row * 256 + column")


def test_dataset_coordinates_grid_and_order(dataset):
    coords, want = dataset["coords"], _grid(SIDE)
    error = np.abs(coords - want).max(axis=1)
    if error.max() > 1e-5:
        k = int(np.argmax(error))
        fail(f"dataset[{k}] has coordinates {coords[k].tolist()}, expected {want[k].tolist()} (row, column of "
             f"pixel {k} = row * 256 + column, each in [-1, 1]: get_coords' order)")


def _uniform_distance(weights, bound):
    """Largest |w| and the Kolmogorov-Smirnov distance of the weights to uniform[-bound, bound]."""
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    ordered = np.sort(w)
    cdf = np.clip((ordered + bound) / (2 * bound), 0, 1)
    n = len(ordered)
    ks = float(max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(n) / n)))
    return float(np.abs(w).max()), ks, KS_LEVEL / math.sqrt(n)


def _uniform_check(weights, bounds, what):
    """The weights must be uniform over [-b, b] for one of ``bounds`` (named ``{label: b}``)."""
    tried = []
    for label, bound in bounds.items():
        top, ks, level = _uniform_distance(weights, bound)
        if top <= bound * (1 + 1e-5) + 1e-9 and ks <= level:
            return label
        tried.append(f"{label} = {bound:.4g}: largest |w| {top:.4g}, Kolmogorov-Smirnov distance {ks:.3f} "
                     f"(allowed {level:.3f})")
    fail(f"{what}: the weights are not spread uniformly over [-b, b] for " + " nor ".join(tried))


def _single(student, *args):
    (entry,) = student.probe.layer_parameters(student.siren.SingleLayer(*args))
    return entry


@pytest.mark.parametrize("activation", ["sin", "relu"])
def test_first_layer_init(student, activation):
    """The starter's comment (and the pdf) says U(-1/in, 1/in); the handout's text says
    U(-1/sqrt(in), 1/sqrt(in)): either is accepted (in_features 4, so the two differ)."""
    entry = _single(student, 4, 2048, activation, True, True)
    _uniform_check(entry["weight"], {"1/in_features": 1 / 4, "1/sqrt(in_features)": 1 / 2},
                   f"first layer ({activation}, in_features 4)")


@pytest.mark.parametrize("activation", ["sin", "tanh", "relu"])
def test_hidden_layer_init(student, activation):
    entry = _single(student, 128, 128, activation, True, False)
    bound = math.sqrt(6 / 128) / OMEGA[activation]
    _uniform_check(entry["weight"], {f"sqrt(6/128)/{OMEGA[activation]:g}": bound},
                   f"hidden layer ({activation}, 128 features, omega {OMEGA[activation]:g})")


def _forward(student, rng, activation, bias=True):
    generator = torch.Generator().manual_seed(int(rng.integers(1 << 31)))
    weight = torch.randn(16, 8, generator=generator) * 0.2
    b = torch.randn(16, generator=generator) * 0.1
    x = torch.rand(32, 8, generator=generator) * 2 - 1
    got = student.probe.single_layer_forward(student.siren.SingleLayer(8, 16, activation, bias, False),
                                             weight, b, x)
    z = OMEGA[activation] * (x @ weight.T + (b if bias else 0))
    act = {"sin": torch.sin, "tanh": torch.tanh, "relu": torch.relu, None: lambda t: t}[activation]
    return got, act(z)


@pytest.mark.parametrize("activation", ["sin", "tanh", "relu"])
def test_forward_with_omega(student, rng, activation):
    got, want = _forward(student, rng, activation)
    if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(want.shape):
        fail(f"SingleLayer(8, 16, {activation!r}) returned "
             f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}; expected (32, 16)")
    if not torch.allclose(got.double(), want.double(), atol=1e-4, rtol=1e-4):
        fail(f"SingleLayer({activation!r}).forward should return {activation}(omega * linear(x)) with omega = "
             f"{OMEGA[activation]:g}; it differs by up to {float((got - want).abs().max()):.3g}")


def test_output_layer_and_invalid_activation(student, rng):
    """activation=None (the Siren's output layer, bias=False) is linear with omega 1; an unknown
    name raises ValueError (both as the starter sets them up)."""
    got, want = _forward(student, rng, None, bias=False)
    if not isinstance(got, torch.Tensor) or not torch.allclose(got.double(), want.double(), atol=1e-4, rtol=1e-4):
        fail("SingleLayer(8, 16, None, False, False) should be linear (no activation, omega 1), as the starter's "
             "nn.Identity() for activation None")
    try:
        student.siren.SingleLayer(8, 16, "softplus", True, False)
    except StudentCodeError as exc:
        if exc.exc_type.rpartition(".")[2] == "ValueError":
            return
        fail(f"SingleLayer(..., 'softplus', ...) raised {exc.exc_type}; the starter raises ValueError")
    fail("SingleLayer(..., 'softplus', ...) was accepted; an unknown activation should raise ValueError")


def test_siren_layout(student):
    layers = student.probe.layer_parameters(student.siren.Siren(2, 1, 32, 3, "sin"))
    shapes = [tuple(entry["weight"].shape) for entry in layers]
    want = [(32, 2), (32, 32), (32, 32), (32, 32), (1, 32)]
    if [tuple(sorted(s)) for s in shapes] != [tuple(sorted(s)) for s in want]:
        fail(f"Siren(2, 1, 32, 3, 'sin') has layers of shapes {shapes}; expected a first layer 2 -> 32, "
             "3 hidden 32 -> 32 and an output layer 32 -> 1 (the course's Siren)")
    if layers[-1]["bias"] is not None:
        fail("the Siren's output layer has a bias; the course's Siren builds it with bias=False")
