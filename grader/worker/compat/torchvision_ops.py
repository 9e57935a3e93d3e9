"""``import torchvision`` with the CPU build of torch.

PyPI's torchvision wheels link their compiled operators (``torchvision/_C.so``) against a
CUDA build of torch. Beside the CPU build the library does not load; torchvision then
runs on (its Python code: transforms, models, datasets, utils), except that it registers
fake kernels for ``torchvision::nms`` and ``torchvision::qnms`` unconditionally and fails
with "operator torchvision::nms does not exist". This hook runs just before torchvision's
own ``__init__`` (``compat._hooks``): when the compiled library cannot be loaded it defines those two
operators' schemas (no kernels: the detection operators in ``torchvision.ops`` still say
that the compiled library is missing; no homework uses them). Where the compiled library
loads (a CUDA torch, a GPU grader), it does nothing.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["define_missing_operators"]

_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor qdets, Tensor qscores, float iou_threshold) -> Tensor",
}
#: kept alive for the life of the process: a dropped Library object unregisters its operators
_libraries: list[Any] = []


def _compiled_library_loads(package_dir: str) -> bool:
    import torch

    for name in os.listdir(package_dir):
        if name.startswith("_C.") and name.endswith((".so", ".pyd")):
            try:
                torch.ops.load_library(os.path.join(package_dir, name))
                return True
            except OSError:
                return False
    return False


def define_missing_operators(package_dir: str) -> bool:
    """Define torchvision's operators when its compiled library cannot load; True if it did."""
    import torch

    if _compiled_library_loads(package_dir) or hasattr(torch.ops.torchvision, "nms"):
        return False
    library = torch.library.Library("torchvision", "DEF")
    for schema in _SCHEMAS.values():
        library.define(schema)
    _libraries.append(library)
    return True
