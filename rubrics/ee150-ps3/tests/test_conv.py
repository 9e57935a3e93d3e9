"""Conv2d and FasterConv2d (1a i-ii) against torch.nn.functional.conv2d, on random data.

Through the course's interface only: the constructor called as the course's tests call it
(positionally: in, out, filter_size, padding, stride, filters, biases), ``filter_size`` one
int (the course's filters are square; a non-square filter is not graded), ``forward``
as the course provides it. One test per group of cases, so a mistake that shows only with
padding, only with a stride, or only with non-square inputs costs that group and no other.
Filters and biases are random (never all ones) and passed in, except in the ``init``
group, which leaves them to the class and checks the output against its own parameters.
``course_cases`` are the shapes of the course's own five test cases (random values here).
"""

import pytest
import torch
import torch.nn.functional as F

from ps3_helpers import compare, mod, randn

#: (batch, in, out, height, width, filter size, padding, stride)
GROUPS = {
    "basic": [(2, 1, 1, 6, 6, 3, 0, 1), (4, 3, 2, 7, 7, 3, 0, 1)],
    "padding": [(2, 3, 4, 6, 6, 3, 1, 1), (2, 2, 3, 5, 5, 3, 2, 1), (1, 3, 2, 6, 6, 5, 2, 1)],
    "stride": [(2, 3, 4, 9, 9, 3, 0, 2), (2, 2, 2, 10, 10, 3, 0, 3), (2, 3, 2, 8, 8, 2, 0, 2)],
    "padding_and_stride": [(2, 3, 8, 9, 9, 3, 1, 2), (1, 3, 4, 11, 11, 3, 2, 3)],
    "non_square_input": [(2, 3, 4, 7, 11, 3, 1, 1), (2, 3, 4, 8, 5, 2, 0, 1), (2, 2, 3, 9, 6, 3, 1, 2)],
    "channels_batch_1x1": [(1, 8, 3, 6, 6, 1, 0, 1), (1, 3, 8, 5, 5, 3, 1, 1), (3, 8, 8, 6, 7, 1, 1, 2)],
    "course_cases": [(1, 10, 3, 10, 8, 5, 0, 1), (1, 3, 3, 32, 32, 5, 0, 1), (1, 3, 3, 32, 32, 5, 3, 1),
                     (1, 3, 3, 32, 32, 5, 0, 2), (1, 6, 8, 64, 64, 4, 8, 3)],
}


def _run_case(conv_cls, rng, case, label):
    batch, c_in, c_out, height, width, filter_size, padding, stride = case
    x = randn(rng, batch, c_in, height, width)
    filters = randn(rng, c_out, c_in, filter_size, filter_size, scale=0.5)
    biases = randn(rng, c_out, scale=0.5)
    expected = F.conv2d(x, filters, biases, stride=stride, padding=padding)
    conv = conv_cls(c_in, c_out, filter_size, padding, stride, filters, biases)  # as the course's tests call it
    compare(conv(x), expected,
            f"{label}(in={c_in}, out={c_out}, filter_size={filter_size}, padding={padding}, stride={stride}) "
            f"on a {batch} x {c_in} x {height} x {width} input", atol=1e-3, rtol=1e-3)


def _init_group(conv_cls, rng, label):
    x = randn(rng, 2, 3, 8, 8)
    conv = conv_cls(3, 5, 3, padding=1, stride=1)
    filters, biases = conv.filters, conv.biases
    for name, value, shape in (("filters", filters, (5, 3, 3, 3)), ("biases", biases, (5,))):
        if not isinstance(value, torch.Tensor) or tuple(value.shape) != shape:
            got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            pytest.fail(f"{label}(3, 5, 3) without filters: self.{name} is {got}, expected shape {shape}",
                        pytrace=False)
    filters, biases = filters.detach(), biases.detach()
    if float(filters.std()) == 0.0:
        pytest.fail(f"{label}(3, 5, 3): the initial filters are all equal; draw them at random", pytrace=False)
    compare(conv(x), F.conv2d(x, filters, biases, padding=1),
            f"{label}(3, 5, 3, padding=1) with its own initial filters and biases", atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("group", [*GROUPS, "init"])
def test_conv2d(student, rng, group):
    conv = mod(student, "conv")
    if group == "init":
        _init_group(conv.Conv2d, rng, "Conv2d")
        return
    for case in GROUPS[group]:
        _run_case(conv.Conv2d, rng, case, "Conv2d")


@pytest.mark.parametrize("group", [*GROUPS, "init"])
def test_faster_conv2d(student, rng, group):
    conv = mod(student, "conv")
    if group == "init":
        _init_group(conv.FasterConv2d, rng, "FasterConv2d")
        return
    for case in GROUPS[group]:
        _run_case(conv.FasterConv2d, rng, case, "FasterConv2d")
