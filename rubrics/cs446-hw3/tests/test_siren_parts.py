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

SIDE = 256
#: Kolmogorov-Smirnov critical value at the 0.1 % level (asymptotic): 1.95 / sqrt(n)
KS_LEVEL = 1.95
OMEGA = {"sin": 30.0, "tanh": 1.0, "relu": 1.0}


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


def _uniform_check(weights, bound, what):
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    top = float(np.abs(w).max())
    if top > bound * (1 + 1e-5) + 1e-9:
        fail(f"{what}: a weight of size {top:.4g} lies outside the bound {bound:.4g}")
    ordered = np.sort(w)
    cdf = np.clip((ordered + bound) / (2 * bound), 0, 1)
    n = len(ordered)
    ks = float(max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(n) / n)))
    if ks > KS_LEVEL / math.sqrt(n):
        fail(f"{what}: the weights (largest {top:.4g}) are not spread uniformly over [-{bound:.4g}, {bound:.4g}] "
             f"(Kolmogorov-Smirnov distance {ks:.3f} > {KS_LEVEL / math.sqrt(n):.3f})")


@pytest.mark.parametrize("activation", ["sin", "relu"])
def test_first_layer_init(student, activation):
    layer = student.siren.SingleLayer(2, 4096, activation, True, True)
    (linear,) = student.probe.linear_layers(layer)
    _uniform_check(linear["weight"], 1 / math.sqrt(2),
                   f"first layer ({activation}, in_features 2): uniform[-1/sqrt(2), 1/sqrt(2)] expected")


@pytest.mark.parametrize("activation", ["sin", "tanh", "relu"])
def test_hidden_layer_init(student, activation):
    layer = student.siren.SingleLayer(128, 128, activation, True, False)
    (linear,) = student.probe.linear_layers(layer)
    bound = math.sqrt(6 / 128) / OMEGA[activation]
    _uniform_check(linear["weight"], bound, f"hidden layer ({activation}, 128 features): "
                   f"uniform[-sqrt(6/128)/{OMEGA[activation]:g}, +] expected")


@pytest.mark.parametrize("activation", ["sin", "tanh", "relu"])
def test_forward_with_omega(student, rng, activation):
    generator = torch.Generator().manual_seed(int(rng.integers(1 << 31)))
    weight = torch.randn(16, 8, generator=generator) * 0.2
    bias = torch.randn(16, generator=generator) * 0.1
    x = torch.rand(32, 8, generator=generator) * 2 - 1
    got = student.probe.single_layer_forward(student.siren.SingleLayer(8, 16, activation, True, False),
                                             weight, bias, x)
    z = OMEGA[activation] * (x @ weight.T + bias)
    want = {"sin": torch.sin, "tanh": torch.tanh, "relu": torch.relu}[activation](z)
    if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(want.shape):
        fail(f"SingleLayer(8, 16, {activation!r}) returned "
             f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}; expected (32, 16)")
    if not torch.allclose(got.double(), want.double(), atol=1e-4, rtol=1e-4):
        fail(f"SingleLayer({activation!r}).forward should return {activation}(omega * linear(x)) with omega = "
             f"{OMEGA[activation]:g}; it differs by up to {float((got - want).abs().max()):.3g}")


def test_siren_layout(student):
    linears = student.probe.linear_layers(student.siren.Siren(2, 1, 32, 3, "sin"))
    shapes = [tuple(entry["weight"].shape) for entry in linears]
    if shapes != [(32, 2), (32, 32), (32, 32), (32, 32), (1, 32)]:
        fail(f"Siren(2, 1, 32, 3, 'sin') has linear layers {shapes}; expected a first layer 2 -> 32, "
             "3 hidden 32 -> 32 and an output layer 32 -> 1")
    flags = [entry["is_first"] for entry in linears[:4]]
    if flags != [True, False, False, False]:
        fail(f"the SingleLayers' is_first flags are {flags}; only the first should be True")
    bound = math.sqrt(6 / 32) / 30
    if float(linears[-1]["weight"].abs().max()) > bound * (1 + 1e-5):
        fail(f"the output layer's weights exceed sqrt(6/32)/30 = {bound:.4g}")
