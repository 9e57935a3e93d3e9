"""A wrong version of the comp499-a1 reference notebook, and what each rubric item must score.

A data module (no tests here). ``WRONG`` is a list of text substitutions on the reference
notebook's code cells (each ``old`` occurs exactly once in all the code cells together;
``apply`` checks it), one independent mistake per automatic item, all in one notebook:
running a notebook costs its whole execution, so one run proves every item can fail.
``EXPECTED`` is what the items it costs must score; every other automatic item keeps full marks.

The MNIST training cell is replaced by one epoch at a tenth of the learning rate for the
Xavier model only (that is 4(d)'s mistake: an undertrained model), so this run costs seconds
where the reference's costs a minute and a half; the reference run proves 4(d) passes.

Why the partial scores:

- 1(b): only ``manual_gradients`` is wrong (no 1/N), so the forward-and-loss test still
  passes: 2 of 8;
- 1(c): the function computes the right values with autograd, so the three value tests
  pass and the "by hand" constraint fails: 6 of 8;
- 2(c): ``jacobian_forward`` is ``torch.func.jacrev``: right values (8), no forward mode
  (2(c).forward_mode: 0);
- 4(c): the statistics are wrong (pre-activations), the figure is there: 4 of 8;
- 4(d): the figures are there, the accuracy floor is missed: 4 of 8;
- 5(c): ``gd_iterate`` takes one step too many: wrong for every k, 0 of 4.
"""

from __future__ import annotations

import nbformat

__all__ = ["ASSIGNMENT", "AUTOMATIC_ITEMS", "WRONG", "EXPECTED", "VARIANTS", "apply"]

ASSIGNMENT = "comp499-a1"

AUTOMATIC_ITEMS = ("1(b)", "1(c)", "1(d)", "2(b)", "2(c)", "2(c).forward_mode", "2(d)", "3.1", "3.2", "3.3",
                   "4(a)", "4(b)", "4(c)", "4(d)", "5(a)", "5(b)", "5(c)")

WRONG: tuple[tuple[str, str], ...] = (
    # 1(b): the 1/N of the mean is forgotten in the hand-derived gradients
    ("g = torch.tanh(h @ w2 + b2 - y) / n", "g = torch.tanh(h @ w2 + b2 - y)"),
    # 1(c): the "finite differences" are autograd in disguise
    ("    theta = theta.detach().clone().to(torch.float64)\n    flat = theta.view(-1)",
     "    t = theta.detach().clone().to(torch.float64).requires_grad_()\n    return torch.autograd.grad(f(t), t)[0]\n"
     "    flat = theta.view(-1)"),
    # 1(d): the optimiser never steps
    ("            opt.step()\n        with torch.no_grad():\n            history[\"train_mse\"]",
     "            pass\n        with torch.no_grad():\n            history[\"train_mse\"]"),
    # 2(b): the Jacobian transposed
    ("    return torch.stack(rows)", "    return torch.stack(rows).T"),
    # 2(c): "forward mode" by reverse mode
    ("    depth = len(weights) - 1\n    h, tangent = x, torch.eye(x.shape[0], dtype=x.dtype)",
     "    return torch.func.jacrev(lambda v: network(v, weights))(x)\n    depth = len(weights) - 1\n"
     "    h, tangent = x, torch.eye(x.shape[0], dtype=x.dtype)"),
    # 2(d): L = 10 never measured
    ("for L in (3, 5, 10):\n    w, x0 = random_weights(L), torch.randn(2)",
     "for L in (3, 5):\n    w, x0 = random_weights(L), torch.randn(2)"),
    # 3.1: XOR instead of XNOR
    ("([[-1.0, 2.0]], [1.0])", "([[1.0, -2.0]], [0.0])"),
    # 3.2: the peak at 1 instead of 1/2
    ("[0.0, -0.5, -1.0]), ([[2.0, -4.0, 2.0]], [0.0])", "[0.0, -0.5, -1.0]), ([[2.0, -2.0, 0.0]], [0.0])"),
    # 3.3: a hard threshold (keeps x where |x| > s)
    ("([[1.0], [-1.0]], [-s, -s]), ([[1.0, -1.0]], [0.0])", "([[1.0], [-1.0]], [-s, -s]), ([[2.0, -2.0]], [0.0])"),
    # 4(a): width 64
    ("sizes = [784] + [50] * depth\n", "sizes = [784] + [64] * depth\n"),
    ("self.out = nn.Linear(50, 10)", "self.out = nn.Linear(64, 10)"),
    # 4(b): the biases are left as PyTorch made them
    ("            nn.init.zeros_(module.bias)\n", "            pass\n"),
    # 4(c): the mean of the absolute activations
    ('"mean_activation": [float(o.detach().mean()) for o in outputs]',
     '"mean_activation": [float(o.detach().abs().mean()) for o in outputs]'),
    # 4(d): the Xavier model gets one epoch at a tenth of the learning rate, the others none
    ("    histories[setting] = train_mnist(model)\n",
     "    histories[setting] = {\"train_acc\": [0.1] * 5}\n"
     "    if setting == \"xavier\":\n        train_mnist(model, epochs=1, lr=0.001)\n"),
    # 5(a): the gradient's sign
    ("    return X.T @ (X @ w - y)\n", "    return X.T @ (y - X @ w)\n"),
    # 5(b): the second iterate forgets the constant of the first step
    ("    return w1, A @ A @ w0 + A @ c + c", "    return w1, A @ A @ w0 + c"),
    # 5(c): one step too many
    ("    Ak = torch.linalg.matrix_power(A, k)", "    Ak = torch.linalg.matrix_power(A, k + 1)"),
)

#: points of the automatic items ``WRONG`` must cost (all but 2(c), whose values stay right; the
#: second variant fails those)
EXPECTED = {"1(b)": 2.0, "1(c)": 6.0, "1(d)": 0.0, "2(b)": 0.0, "2(c).forward_mode": 0.0, "2(d)": 0.0,
            "3.1": 0.0, "3.2": 0.0, "3.3": 0.0, "4(a)": 0.0, "4(b)": 0.0, "4(c)": 4.0, "4(d)": 4.0, "5(a)": 0.0,
            "5(b)": 0.0, "5(c)": 0.0}


#: 4(d)'s substitution alone: the cheap stand-in for the MNIST training, used by the other variant
CHEAP_TRAINING = next(pair for pair in WRONG if pair[0].startswith("    histories[setting]"))

#: a second notebook: forward mode with the wrong tanh derivative, so 2(c)'s values fail too (the
#: first notebook keeps them right to show the forward-mode item failing on its own)
WRONG_FORWARD: tuple[tuple[str, str], ...] = (
    ("        tangent = (1 - h ** 2)[:, None] * (weights[f\"W{i}\"] @ tangent)",
     "        tangent = (1 + h ** 2)[:, None] * (weights[f\"W{i}\"] @ tangent)"),
    CHEAP_TRAINING,
)

#: (id, substitutions, points of each automatic item that are not full marks)
VARIANTS = (
    ("one_mistake_per_part", WRONG, EXPECTED),
    ("forward_mode_values", WRONG_FORWARD, {"2(c)": 0.0, "2(c).forward_mode": 0.0, "4(d)": 4.0}),
)


def apply(reference_text: str, substitutions: tuple[tuple[str, str], ...] = WRONG) -> str:
    """The reference notebook with ``substitutions`` applied to its code cells."""
    nb = nbformat.reads(reference_text, as_version=4)
    for old, new in substitutions:
        hits = [c for c in nb.cells if c.cell_type == "code" and old in c.source]
        count = sum(c.source.count(old) for c in hits)
        if count != 1:
            raise ValueError(f"{old[:60]!r} occurs {count} times in the reference's code cells; expected once")
        hits[0].source = hits[0].source.replace(old, new)
    return nbformat.writes(nb)
