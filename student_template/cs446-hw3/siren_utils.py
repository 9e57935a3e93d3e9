"""Helpers for siren.py, as the course hands them out (given: do not edit, it is not graded).

The grader's own copy, written to the interface of the course's Spring 2024 ``siren_utils.py``
(same names, arguments, shapes and dtypes); in grading it replaces whatever copy you submit.

- ``get_coords(sidelength, dim=2)``: float32 ``(sidelength**dim, dim)``, each coordinate in
  ``linspace(-1, 1)``, meshgrid with ``indexing="ij"`` (row-major: row ``i`` is pixel ``i``).
- ``get_cameraman_tensor(sidelength)``: float32 ``(sidelength**2, 1)`` in [-1, 1], row-major,
  so row ``i`` matches ``get_coords(sidelength)[i]``.
- ``gradient``, ``divergence``, ``laplace``: derivatives with autograd (``create_graph=True``).
- ``model_results(model)``: three numpy ``(256, 256)`` arrays (output, gradient norm,
  Laplacian). The model must be on the CPU and autograd enabled (not under ``no_grad``).

The image: the 512 x 512 cameraman (``/data/cameraman/camera.png`` in the grader's sandbox,
``$GRADER_DATA/cameraman/camera.png``, or scikit-image's ``skimage.data.camera()`` at home),
shrunk by averaging pixel blocks and mapped from grey levels [0, 1] to [-1, 1].
"""

import os
from pathlib import Path

import numpy as np
import torch

_SIDE = 256
_PLACES = (Path("/data/cameraman/camera.png"),)


def _camera_512():
    """The cameraman as float32 (512, 512) in [0, 1]."""
    places = list(_PLACES)
    if os.environ.get("GRADER_DATA"):
        places.append(Path(os.environ["GRADER_DATA"]) / "cameraman" / "camera.png")
    for place in places:
        if place.is_file():
            from PIL import Image

            with Image.open(place) as img:
                return np.asarray(img.convert("L"), dtype=np.float32) / 255.0
    try:
        from skimage import data
    except ImportError:
        raise FileNotFoundError(
            "the cameraman image was not found (tried " + ", ".join(map(str, places)) + ") and scikit-image is "
            "not installed: `pip install scikit-image`, or `grader data fetch cameraman` and set GRADER_DATA"
        ) from None
    return np.asarray(data.camera(), dtype=np.float32) / 255.0


def get_coords(sidelength, dim=2):
    """Every pixel's coordinates: float32 ``(sidelength**dim, dim)`` in [-1, 1], row-major."""
    axis = torch.linspace(-1.0, 1.0, steps=sidelength)
    grid = torch.stack(torch.meshgrid(*([axis] * dim), indexing="ij"), dim=-1)
    return grid.reshape(-1, dim)


def get_cameraman_tensor(sidelength):
    """The cameraman at ``sidelength`` x ``sidelength``: float32 ``(sidelength**2, 1)`` in [-1, 1]."""
    image = torch.from_numpy(_camera_512()).reshape(1, 1, 512, 512)
    if sidelength != 512:
        image = torch.nn.functional.interpolate(image, size=(sidelength, sidelength), mode="area")
    return (image.reshape(-1, 1) * 2.0 - 1.0).float().contiguous()


def gradient(y, x, grad_outputs=None):
    """dy/dx for every row of ``x`` (y: (N, 1), x: (N, D) with requires_grad)."""
    if grad_outputs is None:
        grad_outputs = torch.ones_like(y)
    return torch.autograd.grad(y, [x], grad_outputs=grad_outputs, create_graph=True)[0]


def divergence(y, x):
    """Sum over d of d y[:, d] / d x[:, d]: (N, 1)."""
    total = torch.zeros(y.shape[0], 1, dtype=y.dtype, device=y.device)
    for d in range(y.shape[-1]):
        (part,) = torch.autograd.grad(y[..., d], x, torch.ones_like(y[..., d]), create_graph=True, allow_unused=True)
        if part is not None:
            total = total + part[..., d:d + 1]
    return total


def laplace(y, x):
    """The Laplacian of y with respect to x: the divergence of its gradient, (N, 1)."""
    return divergence(gradient(y, x), x)


def model_results(model):
    """The model's image, the norm of its gradient and its Laplacian on the 256 x 256 grid,
    as three numpy float32 arrays (256, 256). Needs a CPU model and autograd enabled."""
    coords = get_coords(_SIDE).requires_grad_(True)
    output = model(coords)
    grad = gradient(output, coords)
    lap = laplace(output, coords)
    as_image = lambda t: t.detach().reshape(_SIDE, _SIDE).numpy()
    return as_image(output), as_image(grad.norm(dim=-1)), as_image(lap)
