"""Helpers for siren.py (given, not graded): the cameraman image, its pixel coordinates,
and the three images a trained model is judged by.

Where the image comes from, first found wins:

1. the ``path`` argument of ``get_cameraman_tensor``;
2. the environment variable ``CAMERAMAN_PNG`` (a path to ``camera.png``);
3. ``/data/cameraman/camera.png`` (where the grader's sandbox shows it);
4. ``$GRADER_DATA/cameraman/camera.png``.

At home, fetch it once with ``grader data fetch cameraman`` (or ``grader data import
cameraman <folder>``), then set ``GRADER_DATA`` or ``CAMERAMAN_PNG``.

Conventions the grader relies on (they are fixed here, so do not change this file):

- the 512 x 512 image is shrunk to ``sidelength`` by averaging blocks (``area``
  interpolation) and mapped from grey levels [0, 1] to [-1, 1];
- ``get_coords(s)[i]`` is the (row, column) coordinate of flat pixel ``i`` (row-major:
  ``i = row * s + column``), each in [-1, 1] (``torch.linspace(-1, 1, s)``).
"""

import os
from pathlib import Path

import torch

SIDELENGTH = 256
_SANDBOX_PATH = Path("/data/cameraman/camera.png")


def cameraman_path(path=None):
    """Where ``camera.png`` is; raises ``FileNotFoundError`` saying how to get it."""
    candidates = []
    if path is not None:
        candidates.append(Path(path))
    if os.environ.get("CAMERAMAN_PNG"):
        candidates.append(Path(os.environ["CAMERAMAN_PNG"]))
    candidates.append(_SANDBOX_PATH)
    if os.environ.get("GRADER_DATA"):
        candidates.append(Path(os.environ["GRADER_DATA"]) / "cameraman" / "camera.png")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"the cameraman image was not found (tried: {tried}). Run `grader data fetch cameraman` "
        "(or `grader data import cameraman <folder with camera.png>`) and set GRADER_DATA to the "
        "data root it prints, or set CAMERAMAN_PNG to the path of camera.png."
    )


def get_cameraman_tensor(sidelength=SIDELENGTH, path=None):
    """The cameraman image as a float32 tensor ``(1, sidelength, sidelength)`` in [-1, 1]."""
    from PIL import Image  # Pillow comes with matplotlib

    with Image.open(cameraman_path(path)) as img:
        grey = torch.frombuffer(bytearray(img.convert("L").tobytes()), dtype=torch.uint8)
        height, width = img.size[1], img.size[0]
    image = grey.reshape(1, 1, height, width).float() / 255.0
    if (height, width) != (sidelength, sidelength):
        image = torch.nn.functional.interpolate(image, size=(sidelength, sidelength), mode="area")
    return (image[0] * 2.0 - 1.0).contiguous()


def get_coords(sidelength=SIDELENGTH):
    """``(sidelength**2, 2)`` float32: row and column coordinates in [-1, 1], row-major."""
    axis = torch.linspace(-1.0, 1.0, sidelength)
    rows, cols = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([rows, cols], dim=-1).reshape(-1, 2)


def model_results(model, sidelength=SIDELENGTH, chunk=16384):
    """The model's output image, the norm of its gradient and its Laplacian, each
    ``(sidelength, sidelength)`` float32 tensors (derivatives with respect to the coordinates).

    A ReLU network is piecewise linear, so its Laplacian is exactly zero.
    """
    coords = get_coords(sidelength)
    outputs, grad_norms, laplacians = [], [], []
    was_training = model.training
    model.eval()
    try:
        for start in range(0, coords.shape[0], chunk):
            x = coords[start:start + chunk].clone().requires_grad_(True)
            with torch.enable_grad():
                y = model(x).reshape(-1)
                (grad,) = torch.autograd.grad(y.sum(), x, create_graph=True)
                laplacian = torch.zeros_like(y)
                for d in range(x.shape[1]):
                    (second,) = torch.autograd.grad(grad[:, d].sum(), x, retain_graph=True, allow_unused=True)
                    if second is not None:
                        laplacian = laplacian + second[:, d]
            outputs.append(y.detach())
            grad_norms.append(grad.detach().norm(dim=1))
            laplacians.append(laplacian.detach())
    finally:
        model.train(was_training)
    shape = (sidelength, sidelength)
    return (torch.cat(outputs).reshape(shape), torch.cat(grad_norms).reshape(shape),
            torch.cat(laplacians).reshape(shape))


def plot_results(model, losses=None, title="", path=None):
    """A figure with the output, gradient-norm and Laplacian images (and the loss curve)."""
    import matplotlib.pyplot as plt

    images = model_results(model)
    panels = 4 if losses is not None else 3
    fig, axes = plt.subplots(1, panels, figsize=(4 * panels, 4))
    for ax, image, name in zip(axes, images, ("output", "gradient norm", "Laplacian")):
        ax.imshow(image.numpy(), cmap="gray")
        ax.set_title(name)
        ax.axis("off")
    if losses is not None:
        axes[3].semilogy(losses)
        axes[3].set_xlabel("epoch")
        axes[3].set_title("training loss (MSE)")
    fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=80)
    return fig
