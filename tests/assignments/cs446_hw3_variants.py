"""Wrong (and rightly different) versions of the cs446-hw3 reference, and the items each must lose.

A data module (no tests here). Each ``Variant`` edits one file of ``reference/cs446-hw3/``
with text substitutions (each ``old`` occurs exactly once; ``apply`` checks it). Graded on
the items in ``graded``, a variant must score below full on exactly the items in ``loses``
and full on every other item of ``graded``.

Why a variant is graded on a subset of the rubric (``graded``), not all of it:

- answers.yaml items (1.x, 2.x, 3.3) read only their own key of answers.yaml and never the
  code, and the code items never read answers.yaml; so an answers variant is graded on every
  answers-checked item (``ANSWER_ITEMS``), a resnet.py variant on 4.1 and 4.3 (the SIREN tests
  never import resnet.py), a siren.py variant on 5.1 and 5.2;
- the SIREN training items (5.5.*) cost real training (the grader's short runs of the
  student's ``train``): the reference earns them in the one full grade of the test session;
  each training variant is graded on the activations its mistake is shown with, plus 5.2
  where the mistake also shows there.
"""

from __future__ import annotations

from typing import NamedTuple

from tests.assignments.substitutions import apply

__all__ = [
    "ANSWER_ITEMS",
    "ASSIGNMENT",
    "AUTOMATIC_ITEMS",
    "RESNET_ITEMS",
    "SIREN_CODE_ITEMS",
    "TRAINING_ITEMS",
    "VARIANTS",
    "Variant",
    "apply",
    "groups",
]

ASSIGNMENT = "cs446-hw3"

ANSWER_ITEMS = frozenset({"1.1", "1.2", "1.3", "1.4", "2.2", "2.3", "2.4", "3.3"})
RESNET_ITEMS = frozenset({"4.1", "4.3"})
SIREN_CODE_ITEMS = frozenset({"5.1", "5.2"})
TRAINING_ITEMS = frozenset({"5.5.sin", "5.5.tanh", "5.5.relu", "5.5.relu_laplacian"})
#: every item the grader scores by itself
AUTOMATIC_ITEMS = ANSWER_ITEMS | RESNET_ITEMS | SIREN_CODE_ITEMS | TRAINING_ITEMS


class Variant(NamedTuple):
    id: str
    #: the file of reference/cs446-hw3 the substitutions apply to
    file: str
    substitutions: tuple[tuple[str, str], ...]
    #: the items it is graded on
    graded: frozenset[str]
    #: the items that must score below full; every other graded item stays full
    loses: frozenset[str]
    why: str
    #: edits of other files: (file, old, new)
    also: tuple[tuple[str, str, str], ...] = ()
    #: answers variants of one group touch different keys and are graded together (see GROUPS)
    group: str = ""


def _answers(id: str, old: str, new: str, loses: set[str], why: str, group: str) -> Variant:
    return Variant(id, "answers.yaml", ((old, new),), ANSWER_ITEMS, frozenset(loses), why, group=group)



VARIANTS: tuple[Variant, ...] = (
    # ---------------------------------------------------------------- correct, differently
    _answers("handset_swapped_units", '"1.1": {w0: [1, -1], w1: [1, -1]}', '"1.1": {w0: [-1, 1], w1: [-1, 1]}', set(),
             "1.1 with the two hidden units swapped: the same function, full marks", "correct"),
    _answers("handset_scaled_pairs", '"1.2": {w0: ["m", "-m"], w1: [1, -1], b0: ["b", "-b"]}',
             '"1.2": {w0: ["2*m", "-m/2"], w1: [0.5, -2], b0: ["2*b", "-b/2"]}', set(),
             "1.2 with each unit's input scaled by c > 0 and its output by 1/c: the same function", "correct"),
    _answers("handset_hat_permuted", '"1.4": {w0: [1, 1, 1], w1: [3, 3, -6], b0: [2, -2, 0]}',
             '"1.4": {w0: [[2], [1], [0.5]], w1: [[1.5], [-6], [6]], b0: [[4], [0], [-1]]}', set(),
             "1.4 with permuted units, positive rescaling and column vectors: the same function", "correct"),
    _answers("handset_hat_other_basis", '"1.4": {w0: [1, 1, 1], w1: [3, 3, -6], b0: [2, -2, 0]}',
             '"1.4": {w0: [-1, -1, -1], w1: [3, 3, -6], b0: [2, -2, 0]}', set(),
             "1.4 mirrored (w0 = -1): the hat is even, so relu(2 - x) ... is the same function", "correct-2"),
    _answers("q_other_scale", '"3.3": "q = 100*(k1 + k2)"', '"3.3": "q = 12*k1 + 12*k2"', set(),
             "3.3 with a different large a: full marks", "correct-2"),
    # ---------------------------------------------------------------- wrong answers
    _answers("handset_right_only_for_positive_x", '"1.1": {w0: [1, -1], w1: [1, -1]}',
             '"1.1": {w0: [1, 0], w1: [1, 0]}', {"1.1"}, "relu(x): equal to x only for x >= 0", "wrong"),
    _answers("affine_wrong_bias_sign", '"1.2": {w0: ["m", "-m"], w1: [1, -1], b0: ["b", "-b"]}',
             '"1.2": {w0: ["m", "-m"], w1: [1, -1], b0: ["b", "b"]}', {"1.2"},
             "b0 = [b, b]: relu(mx + b) - relu(-mx + b) is m x + b only where both are positive", "wrong"),
    _answers("constant_missing_factor_2", '"1.3": {w0: [0], w1: ["2*b"]}', '"1.3": {w0: [0], w1: ["b"]}', {"1.3"},
             "sigmoid(0) = 1/2, so w1 = b gives b/2", "wrong"),
    _answers("hat_close_not_exact", '"1.4": {w0: [1, 1, 1], w1: [3, 3, -6], b0: [2, -2, 0]}',
             '"1.4": {w0: [1, 1, 1], w1: [3, 3, -6], b0: [2, -2.2, 0]}', {"1.4"},
             "a kink moved from 2 to 2.2: off by 0.6, 'close', earns 1 of 2", "tiers"),
    _answers("formula_missing_a_w", '  h3: "h3 = w*(x3 + w*(x2 + w*x1))"', '  h3: "h3 = w*(x3 + w*(x2 + x1))"', {"2.2"},
             "h3 misses a factor of w on x1", "wrong"),
    _answers("derivative_missing_a_w", '  dh3_dw: "3*w**2*x1 + 2*w*x2 + x3"', '  dh3_dw: "3*w**2*x1 + 2*x2 + x3"',
             {"2.3"}, "dh3/dw misses a factor of w", "wrong"),
    _answers("bptt_extra_sigma_factor", '  T3: "w**2*s2*s3"', '  T3: "w**2*s1*s2*s3"', {"2.4"},
             "the product starts at t = 1: a wrong value (1 of 2 points: no partial derivatives is kept)", "tiers"),
    _answers("formula_parse_error", '  T5: "w**4*s2*s3*s4*s5"', '  T5: "w^4 s2 s3 s4 s5 + dh/dx"', {"2.4"},
             "unreadable formula: both 2.4 tests fail with the parser's message", "wrong"),
    _answers("q_selects_one_key", '"3.3": "q = 100*(k1 + k2)"', '"3.3": "q = 100*k1"', {"3.3"},
             "c ~ v1, not (v1 + v2)/2", "wrong"),
    _answers("q_not_scaled", '"3.3": "q = 100*(k1 + k2)"', '"3.3": "q = k1 + k2"', {"3.3"},
             "the note's -0.5: equal weights on k1, k2 but c is far from (v1 + v2)/2", "tiers"),
    # ---------------------------------------------------------------- resnet.py
    Variant("block_without_skip", "resnet.py", (("        return torch.relu(x + out)\n", "        return torch.relu(out)\n"),),
            RESNET_ITEMS, frozenset({"4.1"}), "no identity path; ResNet's tests swap the Block out, so 4.3 stays full"),
    Variant("block_conv_with_bias", "resnet.py",
            (("self.conv1 = nn.Conv2d(num_channels, num_channels, kernel_size=3, stride=1, padding=1, bias=False)",
              "self.conv1 = nn.Conv2d(num_channels, num_channels, kernel_size=3, stride=1, padding=1, bias=True)"),),
            RESNET_ITEMS, frozenset({"4.1"}), "a conv bias before BatchNorm inside the Block"),
    Variant("resnet_conv_with_bias", "resnet.py",
            (("self.conv = nn.Conv2d(1, num_channels, kernel_size=3, stride=2, padding=1, bias=False)",
              "self.conv = nn.Conv2d(1, num_channels, kernel_size=3, stride=2, padding=1, bias=True)"),),
            RESNET_ITEMS, frozenset({"4.3"}), "a conv bias before the ResNet's first BatchNorm"),
    Variant("resnet_skips_block", "resnet.py", (("        out = self.avgpool(self.block(out))\n",
                                                 "        out = self.avgpool(out)\n"),),
            RESNET_ITEMS, frozenset({"4.3"}), "forward never calls the Block"),
    # ---------------------------------------------------------------- siren.py (no training)
    Variant("dataset_pixels_not_normalised", "siren.py",
            (("        return self.coords[idx], self.cameraman_img[idx]\n",
              "        return self.coords[idx], (self.cameraman_img[idx] + 1) / 2\n"),),
            SIREN_CODE_ITEMS, frozenset({"5.1"}), "pixels in [0, 1] instead of [-1, 1]"),
    Variant("siren_without_first_layer_case", "siren.py", (("            if self.is_first:\n", "            if False:\n"),),
            SIREN_CODE_ITEMS, frozenset({"5.2"}), "the first layer initialised like the others"),
    Variant("siren_first_bound_sqrt", "siren.py",
            (("                bound = 1.0 / self.in_features\n", "                bound = 1.0 / self.in_features ** 0.5\n"),),
            SIREN_CODE_ITEMS, frozenset(), "the handout text's first-layer bound 1/sqrt(in): accepted (the starter says 1/in)"),
    Variant("single_layer_accepts_anything", "siren.py",
            (('            raise ValueError("Invalid activation")\n', "            self.torch_activation = torch.relu\n"),),
            SIREN_CODE_ITEMS, frozenset({"5.2"}), "an unknown activation name is taken as relu instead of a ValueError"),
    # ---------------------------------------------------------------- training (the grader's runs of train())
    Variant("sin_without_omega", "siren.py",
            (("        return self.torch_activation(self.omega * self.linear(input))\n",
              "        return self.torch_activation(self.linear(input))\n"),),
            frozenset({"5.2", "5.5.sin"}), frozenset({"5.2", "5.5.sin"}),
            "forward without omega: 5.2's sin forward test fails, and the sin run's weights, judged in the "
            "course's Siren (omega 30), make no image (tanh and relu have omega 1: unharmed, not trained here)"),
    Variant("loss_without_square", "siren.py",
            (("            loss = ((model_output - pixels) ** 2).mean()\n", "            loss = (model_output - pixels).mean()\n"),),
            frozenset({"5.5.tanh", "5.5.relu", "5.5.relu_laplacian"}), frozenset({"5.5.tanh", "5.5.relu"}),
            "the loss is the mean error, not its square: it falls without bound and the image is lost; the relu "
            "Laplacian stays empty (the network is still a ReLU network)"),
    Variant("relu_run_is_smooth", "siren.py",
            (('ACTIVATIONS = {"relu": torch.relu,', 'ACTIVATIONS = {"relu": lambda z: nn.functional.softplus(z, beta=20),'),),
            frozenset({"5.5.relu_laplacian"}), frozenset({"5.5.relu_laplacian"}),
            "a smooth activation passed off as relu: the Laplacian of the student's own network is not empty "
            "(graded on that item only)"),
)


def groups() -> dict[str, list[Variant]]:
    """Variants by group. Within a group each variant edits a different answers.yaml key and
    loses only items that read that key (each answers item and each activation's training
    reads only its own key): so one grade of the group's edits together, on the union of their
    graded items, proves each variant's loss at the cost of one grade instead of one each."""
    found: dict[str, list[Variant]] = {}
    for variant in VARIANTS:
        if variant.group:
            found.setdefault(variant.group, []).append(variant)
    return found
