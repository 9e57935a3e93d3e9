"""Wrong versions of the nyu-dl-hw1 reference, and the rubric items each one must lose.

A data module (no tests here). Each ``Variant`` is a file of ``reference/nyu-dl-hw1/``
with text substitutions applied (each ``old`` occurs exactly once in the reference file;
``apply`` checks it). Graded, a variant must score below full on every item in ``loses``
and full on every other automatic item of ``rubrics/nyu-dl-hw1/rubric.yaml``.

Why the sets look as they do:

- the backward tests feed a ``dJdy_hat`` computed by the grader, so a wrong loss loses
  only its loss item;
- ``backprop.bce_saturation`` feeds predictions of exactly 0 or 1, so only a loss that takes
  log(0) loses it;
- the edge-case tests run forward and backward on odd shapes and saturated sigmoids, so a
  core mistake visible at those shapes loses the edge item too (a mistake that needs a
  batch larger than one shows in the width-one tests, which use a batch of 6);
- ``backprop.rules`` is the static constraint on ``mlp.py`` (the course's rule: no autograd;
  ``torch.nn`` is allowed, so a variant using it loses nothing); it
  pays only once ``backprop.forward`` earns points (``only_if_earned``), so a forward pass
  that fails every forward test loses it too.
"""

from __future__ import annotations

from typing import NamedTuple

from tests.assignments.substitutions import apply

__all__ = ["ASSIGNMENT", "AUTOMATIC_ITEMS", "Variant", "VARIANTS", "apply"]

ASSIGNMENT = "nyu-dl-hw1"

#: every item that the grader scores by itself (``gd.visuals`` is manual extra credit)
AUTOMATIC_ITEMS = (
    "backprop.forward",
    "backprop.mse_loss",
    "backprop.bce_loss",
    "backprop.bce_saturation",
    "backprop.backward_relu_identity",
    "backprop.backward_sigmoid",
    "backprop.edge_cases",
    "backprop.rules",
    "gd.optimise",
)

FORWARD = "backprop.forward"
MSE = "backprop.mse_loss"
BCE = "backprop.bce_loss"
BACKWARD_LINEAR = "backprop.backward_relu_identity"
BACKWARD_SIGMOID = "backprop.backward_sigmoid"
EDGE = "backprop.edge_cases"
BCE_SATURATION = "backprop.bce_saturation"
RULES = "backprop.rules"
GD = "gd.optimise"


class Variant(NamedTuple):
    id: str
    #: the file of reference/nyu-dl-hw1 the substitutions apply to
    file: str
    #: (old, new) pairs; each old occurs exactly once in the reference file
    substitutions: tuple[tuple[str, str], ...]
    #: the rubric items that must score below full; every other automatic item stays full
    loses: frozenset[str]
    #: what the mistake is and why it loses exactly these items
    why: str


_AUTOGRAD_BACKWARD = """        c, p = self.cache, self.parameters
        leaves = {name: value.detach().clone().requires_grad_(True) for name, value in p.items()}
        z1 = c["x"] @ leaves["W1"].T + leaves["b1"]
        z3 = activate(self.f_function, z1) @ leaves["W2"].T + leaves["b2"]
        activate(self.g_function, z3).backward(dJdy_hat)
        for name, leaf in leaves.items():
            self.grads["dJd" + name] = leaf.grad
"""

_REFERENCE_BACKWARD = """        c, p = self.cache, self.parameters
        dJdz3 = dJdy_hat * activate_grad(self.g_function, c["z3"], c["y_hat"])
        dJdz2 = dJdz3 @ p["W2"]
        dJdz1 = dJdz2 * activate_grad(self.f_function, c["z1"], c["z2"])
        self.grads["dJdW2"] = dJdz3.T @ c["z2"]
        self.grads["dJdb2"] = dJdz3.sum(dim=0)
        self.grads["dJdW1"] = dJdz1.T @ c["x"]
        self.grads["dJdb1"] = dJdz1.sum(dim=0)
"""

#: autograd reached through strings the static scan does not read as calls: only seen at run time
_HIDDEN_AUTOGRAD_BACKWARD = """        import operator
        c, p = self.cache, self.parameters
        leaves = {name: operator.methodcaller("requires_" + "grad_")(value.detach().clone())
                  for name, value in p.items()}
        z1 = c["x"] @ leaves["W1"].T + leaves["b1"]
        z3 = activate(self.f_function, z1) @ leaves["W2"].T + leaves["b2"]
        operator.methodcaller("back" + "ward", dJdy_hat)(activate(self.g_function, z3))
        for name, leaf in leaves.items():
            self.grads["dJd" + name] = leaf.grad
"""

_STABLE_SIGMOID = """        e = torch.exp(-z.abs())  # in (0, 1]: never overflows
        return torch.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
"""

VARIANTS: tuple[Variant, ...] = (
    # ---------------------------------------------------------------- mlp.py: losses
    Variant(
        id="mse_sum_not_mean",
        file="mlp.py",
        substitutions=(("    n = diff.numel()\n", "    n = 1\n"),),
        loses=frozenset({MSE}),
        why="mse_loss sums instead of averaging (J and dJdy_hat both n times too big); "
        "backward gets the grader's dJdy_hat, so only the MSE item is lost",
    ),
    Variant(
        id="mse_mean_over_batch_only",
        file="mlp.py",
        substitutions=(("    n = diff.numel()\n", "    n = diff.shape[0]\n"),),
        loses=frozenset({MSE}),
        why="mse_loss divides by the batch size, not by batch x out (right only when out is 1)",
    ),
    Variant(
        id="bce_sum_not_mean",
        file="mlp.py",
        substitutions=(("    count = y_hat.numel()\n", "    count = 1\n"),),
        loses=frozenset({BCE}),
        why="bce_loss sums instead of averaging, in J and in dJdy_hat",
    ),
    Variant(
        id="bce_grad_missing_mean",
        file="mlp.py",
        substitutions=((".clamp(min=1e-12) / count\n", ".clamp(min=1e-12)\n"),),
        loses=frozenset({BCE}),
        why="bce_loss's J is a mean but its gradient forgets the 1/n",
    ),
    Variant(
        id="bce_grad_sign",
        file="mlp.py",
        substitutions=(("dJdy_hat = (y_hat - y) / (y_hat", "dJdy_hat = (y - y_hat) / (y_hat"),),
        loses=frozenset({BCE}),
        why="bce_loss's gradient has the wrong sign",
    ),
    # ---------------------------------------------------------------- mlp.py: activations
    Variant(
        id="sigmoid_grad_sign",
        file="mlp.py",
        substitutions=(("        return a * (1.0 - a)\n", "        return a * (a - 1.0)\n"),),
        loses=frozenset({BACKWARD_SIGMOID, EDGE}),
        why="sigma'(z) = sigma(z)(sigma(z) - 1): sign error; every backward through a sigmoid is "
        "wrong (the edge tests include sigmoid pairs)",
    ),
    Variant(
        id="sigmoid_grad_from_preactivation",
        file="mlp.py",
        substitutions=(
            (
                'activate_grad(self.g_function, c["z3"], c["y_hat"])',
                'activate_grad(self.g_function, c["z3"], c["z3"])',
            ),
        ),
        loses=frozenset({BACKWARD_SIGMOID, EDGE}),
        why="the output sigmoid's derivative is computed as z3(1 - z3) instead of y_hat(1 - y_hat); "
        "only g = sigmoid is affected",
    ),
    Variant(
        id="relu_grad_leaky",
        file="mlp.py",
        substitutions=(
            ("        return (z > 0).to(z.dtype)\n", "        return torch.where(z > 0, 1.0, 0.01).to(z.dtype)\n"),
        ),
        loses=frozenset({BACKWARD_LINEAR, BACKWARD_SIGMOID, EDGE}),
        why="ReLU's derivative is 0.01 (leaky) for z < 0: every backward through a relu is wrong, "
        "in relu/identity pairs and in sigmoid-relu / relu-sigmoid",
    ),
    Variant(
        id="sigmoid_overflows_to_nan",
        file="mlp.py",
        substitutions=((_STABLE_SIGMOID, "        return torch.exp(z) / (1.0 + torch.exp(z))\n"),),
        loses=frozenset({EDGE}),
        why="sigmoid as exp(z) / (1 + exp(z)) is right for moderate z but inf/inf = NaN for z > 88 "
        "in float32: only the saturation tests see it",
    ),
    # ---------------------------------------------------------------- mlp.py: forward / backward
    Variant(
        id="forward_ignores_b2",
        file="mlp.py",
        substitutions=(('        z3 = z2 @ p["W2"].T + p["b2"]\n', '        z3 = z2 @ p["W2"].T\n'),),
        loses=frozenset({FORWARD, BACKWARD_LINEAR, BACKWARD_SIGMOID, EDGE, RULES}),
        why="the forward pass drops b2; the backward through g = relu or sigmoid is then taken at "
        "the wrong z3, so g = relu and g = sigmoid pairs lose backward points too; every forward test "
        "fails, and backprop.rules pays only once backprop.forward earns points (only_if_earned)",
    ),
    Variant(
        id="bias2_grad_first_row",
        file="mlp.py",
        substitutions=(('self.grads["dJdb2"] = dJdz3.sum(dim=0)', 'self.grads["dJdb2"] = dJdz3[0]'),),
        loses=frozenset({BACKWARD_LINEAR, BACKWARD_SIGMOID, EDGE}),
        why="dJdb2 takes the first sample's gradient instead of the sum over the batch (right "
        "only for a batch of one; the width-one edge tests use a batch of 6)",
    ),
    Variant(
        id="bias1_grad_mean",
        file="mlp.py",
        substitutions=(('self.grads["dJdb1"] = dJdz1.sum(dim=0)', 'self.grads["dJdb1"] = dJdz1.mean(dim=0)'),),
        loses=frozenset({BACKWARD_LINEAR, BACKWARD_SIGMOID, EDGE}),
        why="dJdb1 averages over the batch although the loss already did: off by the batch size",
    ),
    Variant(
        id="w1_grad_transposed",
        file="mlp.py",
        substitutions=(('self.grads["dJdW1"] = dJdz1.T @ c["x"]', 'self.grads["dJdW1"] = c["x"].T @ dJdz1'),),
        loses=frozenset({BACKWARD_LINEAR, BACKWARD_SIGMOID, EDGE}),
        why="dJdW1 is in x out (transposed): a shape error, or wrong values when in == hidden",
    ),
    Variant(
        id="w2_grad_uses_preactivation",
        file="mlp.py",
        substitutions=(('self.grads["dJdW2"] = dJdz3.T @ c["z2"]', 'self.grads["dJdW2"] = dJdz3.T @ c["z1"]'),),
        loses=frozenset({BACKWARD_LINEAR, BACKWARD_SIGMOID, EDGE}),
        why="dJdW2 uses z1 instead of f(z1): right for f = identity only",
    ),
    Variant(
        id="bce_log_of_zero",
        file="mlp.py",
        substitutions=(
            ("    log_p = torch.log(y_hat).clamp(min=-100.0)\n", "    log_p = torch.log(y_hat)\n"),
            ("    log_q = torch.log(1.0 - y_hat).clamp(min=-100.0)\n", "    log_q = torch.log(1.0 - y_hat)\n"),
        ),
        loses=frozenset({BCE_SATURATION}),
        why="bce_loss takes log(0) for a prediction of exactly 1.0 (a saturated sigmoid): 0 * -inf = NaN; "
        "right everywhere else, so only the saturation item is lost",
    ),
    # ---------------------------------------------------------------- mlp.py: rules
    Variant(
        id="backward_uses_autograd",
        file="mlp.py",
        substitutions=((_REFERENCE_BACKWARD, _AUTOGRAD_BACKWARD),),
        loses=frozenset({RULES}),
        why="backward re-runs the forward pass with requires_grad and calls .backward(): right "
        "numbers, but the homework is to write the backward pass by hand",
    ),
    Variant(
        id="backward_hides_autograd",
        file="mlp.py",
        substitutions=((_REFERENCE_BACKWARD, _HIDDEN_AUTOGRAD_BACKWARD),),
        loses=frozenset({RULES}),
        why="autograd through operator.methodcaller with built names: the source scan may miss it, the "
        "run-time evidence test sees Tensor.backward and requires_grad_ while backward runs",
    ),
    Variant(
        id="uses_torch_nn_functional",
        file="mlp.py",
        substitutions=(
            ("        return z.clamp(min=0.0)\n", "        return torch.nn.functional.relu(z)\n"),
            (_STABLE_SIGMOID, "        return torch.nn.functional.sigmoid(z)\n"),
        ),
        loses=frozenset(),
        why="relu and sigmoid from torch.nn.functional: the course forbids only autograd, so nothing is lost",
    ),
    # ---------------------------------------------------------------- gd.py
    Variant(
        id="gd_returns_input",
        file="gd.py",
        substitutions=(("    return image.detach()\n", "    return input.detach().clone()\n"),),
        loses=frozenset({GD}),
        why="gradient_descent optimises but returns the starting image: no label's probability rises",
    ),
    Variant(
        id="gd_descends",
        file="gd.py",
        substitutions=(("image = (image + step_size * grad", "image = (image - step_size * grad"),),
        loses=frozenset({GD}),
        why="steps down the gradient of a score that is to be maximised: every label's probability falls",
    ),
)
