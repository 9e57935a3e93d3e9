"""Run-time evidence for backprop.rules (the course's one rule: no autograd in mlp.py).

The rule is decided from the source; this test only looks for autograd calls while the
student's ``backward`` runs (``backward_watching_autograd`` in the probes). Code in the
student's process can hide from it, so passing grants nothing; what it sees costs the
rule's points, with what was seen.
"""

import pytest

from nyu_hw1_helpers import make_mlp, randn


@pytest.mark.parametrize("f, g", [("relu", "identity"), ("sigmoid", "sigmoid")])
def test_backward_calls_no_autograd(student, rng, f, g):
    net, _ = make_mlp(student, rng, 3, 6, 2, f, g)
    net.forward(randn(rng, 4, 3))
    seen = student.probe.backward_watching_autograd(net, randn(rng, 4, 2))
    if seen:
        pytest.fail(
            f"MLP.backward used autograd while it ran ({', '.join(seen)}): the homework asks for the "
            "gradients written by hand, without PyTorch autograd.",
            pytrace=False,
        )
