"""gradient_descent, called as the course's ``main`` calls it and scored as the course scored it.

For each of the course's labels (0, 12, 954) the worker builds the course's starting image
(mid-grey noise, ``1 x 3 x 224 x 224``, ``requires_grad_()`` called) and the grader's stand-in
for VGG13-BN (in training mode, as main leaves it), and calls
``gradient_descent(image, model, lambda tensor: tensor[0, label].mean())``: positional, three
arguments, a logit to maximise. Only the returned image comes back. The trusted side builds
the same classifier and starting image from the same seeds and computes the label's softmax
probability itself, before and after.

The course printed that probability for the returned image fed to the model as returned.
Students return the image in pixel space or already normalised, and leave the model in
training mode or call ``model.eval()``; every one of these is a reasonable reading of the
starter, so the grader reads the returned image both ways (as it is, and normalised with
ImageNet's statistics), with BatchNorm on its running statistics or on the image's own, and
takes the best reading, compared with the same reading of the starting image.
"""

import pytest
import torch

from grader.worker.probes import nyu_dl_hw1 as probes

#: the course's labels (main() loops over them)
LABELS = (0, 12, 954)
#: the label's probability must reach this on the returned image ...
MIN_PROBABILITY = 0.5
#: ... and be this many times its probability on the starting image, read the same way
MIN_RISE = 10.0


def _readings(model, image, label):
    """The label's probability for each reading of ``image``: (as returned | normalised) x BatchNorm mode."""
    mean = torch.tensor(probes.IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(probes.IMAGENET_STD).view(1, 3, 1, 1)
    views = {"as returned": image, "normalised": (image - mean) / std}
    readings = {}
    for bn in ("running statistics", "the image's statistics"):
        model.eval()
        if bn == "the image's statistics":
            for module in model.modules():
                if isinstance(module, torch.nn.BatchNorm2d):
                    module.train()
        with torch.no_grad():
            for view, x in views.items():
                readings[f"{view}, BatchNorm on {bn}"] = float(torch.softmax(model(x), dim=1)[0, label])
    return readings


def _as_image(result):
    if not isinstance(result, torch.Tensor):
        pytest.fail(f"gradient_descent should return the optimised image as a torch.Tensor; it returned "
                    f"{type(result).__name__}", pytrace=False)
    if tuple(result.shape) != probes.IMAGE_SHAPE:
        pytest.fail(f"gradient_descent returned a tensor of shape {tuple(result.shape)}; expected the input's "
                    f"shape {probes.IMAGE_SHAPE}", pytrace=False)
    if not result.is_floating_point():
        pytest.fail(f"gradient_descent returned a tensor of dtype {result.dtype}; expected floats", pytrace=False)
    if not torch.isfinite(result).all():
        k = int((~torch.isfinite(result)).sum())
        pytest.fail(f"gradient_descent returned an image with {k} NaN or inf pixels", pytrace=False)
    return result.detach().float()


@pytest.mark.parametrize("label", LABELS, ids=[f"label_{label}" for label in LABELS])
def test_gd_raises_label_probability(student, rng, label):
    image_seed, model_seed = (int(s) for s in rng.integers(1_000_000, size=2))
    result = _as_image(student.probe.call_as_course_main(student.gd.gradient_descent, label, image_seed, model_seed))
    model = probes.imagenet_standin(model_seed)
    start = probes.course_start_image(image_seed).detach()
    before, after = _readings(model, start, label), _readings(model, result, label)
    best = max(after, key=lambda reading: (after[reading] >= MIN_RISE * before[reading], after[reading]))
    if after[best] >= MIN_PROBABILITY and after[best] >= MIN_RISE * before[best]:
        return
    moved = float((result - start).abs().max())
    pytest.fail(
        f"called as the course's main() calls it (label {label}, score = tensor[0, {label}].mean(), to be "
        f"maximised), the grader's classifier gives label {label} a probability of {before[best]:.4f} on the "
        f"starting image and {after[best]:.4f} on the returned one ({best}); it should reach "
        f"{MIN_PROBABILITY} and rise at least {MIN_RISE:g}-fold. "
        + ("The returned image is the starting image: return the image you optimised. " if moved == 0 else
           "Follow the gradient UP (the score is a logit to maximise, not a loss to minimise), "
           "with a step of about 0.01 per pixel, and return the optimised image. ")
        + f"(classifier seed {model_seed}, image seed {image_seed})",
        pytrace=False,
    )
