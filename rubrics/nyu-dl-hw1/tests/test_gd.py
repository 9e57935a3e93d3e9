"""gradient_descent: optimise an image so that a classifier sees the chosen class.

The classifier is a small seeded CNN the grader builds (``tiny_classifier`` in the probe
module) in the worker, where the student's function runs; the trusted side builds the very
same model from the same seed and scores the returned image on its own copy.
"""

import pytest
import torch

from grader.worker.probes import nyu_dl_hw1 as probes
from nyu_hw1_helpers import randn

IMAGE_SHAPE = (1, 3, 16, 16)
#: how much the target's softmax probability must rise (it starts at 1/5 or less)
MIN_PROBABILITY_RISE = 0.15
#: how much the target's logit must rise when the loss is minus that logit
MIN_LOGIT_RISE = 1.0


def _setup(student, rng):
    seed = int(rng.integers(1_000_000))
    local = probes.tiny_classifier(seed)
    image = randn(rng, *IMAGE_SHAPE, scale=0.5)
    with torch.no_grad():
        probabilities = torch.softmax(local(image), dim=1)[0]
    target = int(probabilities.argmin())  # the least likely class: there is room to climb
    return seed, local, student.probe.tiny_classifier(seed), image, target


def _as_image(result, image):
    if not isinstance(result, torch.Tensor):
        pytest.fail(
            f"gradient_descent should return the optimised image as a torch.Tensor; it returned "
            f"{type(result).__name__}",
            pytrace=False,
        )
    if tuple(result.shape) != tuple(image.shape):
        pytest.fail(
            f"gradient_descent returned a tensor of shape {tuple(result.shape)}; expected the input's "
            f"shape {tuple(image.shape)}",
            pytrace=False,
        )
    if not result.is_floating_point():
        pytest.fail(f"gradient_descent returned a tensor of dtype {result.dtype}; expected floats", pytrace=False)
    if not torch.isfinite(result).all():
        k = int((~torch.isfinite(result)).sum())
        pytest.fail(f"gradient_descent returned an image with {k} NaN or inf pixels", pytrace=False)
    return result.detach().float()


def _probability(model, image, target):
    with torch.no_grad():
        return float(torch.softmax(model(image), dim=1)[0, target])


def _logit(model, image, target):
    with torch.no_grad():
        return float(model(image)[0, target])


def test_gd_returns_image_like_input(student, rng):
    _, _, remote, image, target = _setup(student, rng)
    _as_image(student.gd.gradient_descent(image, remote, student.probe.class_nll_loss(target)), image)


@pytest.mark.parametrize("case", ["first", "second"])
def test_gd_raises_target_probability(student, rng, case):
    seed, local, remote, image, target = _setup(student, rng)
    result = _as_image(student.gd.gradient_descent(image, remote, student.probe.class_nll_loss(target)), image)
    before, after = _probability(local, image, target), _probability(local, result, target)
    if after < before + MIN_PROBABILITY_RISE:
        pytest.fail(
            f"with loss = cross-entropy towards class {target} (to be minimised), the classifier's "
            f"probability for class {target} went from {before:.3f} on the starting image to {after:.3f} "
            f"on the returned one; it should rise by at least {MIN_PROBABILITY_RISE} (grader's classifier "
            f"seed {seed}). Step against the gradient of the loss with respect to the image (e.g. Adam, "
            "lr 0.01-0.1) and return the optimised image.",
            pytrace=False,
        )


def test_gd_raises_target_logit(student, rng):
    seed, local, remote, image, target = _setup(student, rng)
    result = _as_image(student.gd.gradient_descent(image, remote, student.probe.class_logit_loss(target)), image)
    before, after = _logit(local, image, target), _logit(local, result, target)
    if after < before + MIN_LOGIT_RISE:
        pytest.fail(
            f"with loss = minus the logit of class {target} (to be minimised), that logit went from "
            f"{before:.3f} to {after:.3f}; it should rise by at least {MIN_LOGIT_RISE} "
            f"(grader's classifier seed {seed})",
            pytrace=False,
        )


def test_gd_leaves_classifier_unchanged(student, rng):
    seed, local, remote, image, target = _setup(student, rng)
    student.gd.gradient_descent(image, remote, student.probe.class_nll_loss(target))
    after = student.probe.model_state(remote)
    if after["training"] is not False:
        pytest.fail(
            "the classifier was left in training mode; gradient_descent must not call model.train()",
            pytrace=False,
        )
    expected = local.state_dict()
    changed = [
        name
        for name, value in expected.items()
        if name not in after["state"] or not torch.equal(torch.as_tensor(after["state"][name]), value)
    ]
    if changed:
        pytest.fail(
            f"gradient_descent changed the classifier: {', '.join(changed[:5])}"
            f"{' ...' if len(changed) > 5 else ''} differ from before the call. Optimise the image only "
            "(an optimizer over [image], not model.parameters()) and keep the model in eval mode.",
            pytrace=False,
        )
