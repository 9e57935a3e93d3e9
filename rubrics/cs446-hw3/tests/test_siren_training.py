"""5.5: the student's SIREN training, run the way the course runs it, judged on the trusted side.

For each activation the grader calls the student's own ``train(total_epochs, batch_size,
activation)`` in the worker (probe ``course_train``), with the settings below (the course's
CLI exposes exactly these three), in a fresh folder. ``train`` saves ``siren_model.p`` (a
state dict); the worker reads it with ``weights_only`` and sends its tensors back. Here they
are loaded into the grader's own copy of the course's ``Siren`` (``CourseSiren``: correct
layers, omega 30 for sin) and judged: the loss (MSE over the whole 256 x 256 image), the
PSNR, and, for a long enough run, the smoothness of the loss curve the student's figure drew.
A model that only works with the student's own (wrong) forward, e.g. without omega, fails here.

Budget (settings that change a grade live here, in the rubric's tests, never in the environment):
``RUNS`` gives each activation's epochs and batch size; ``LEARNING_RATES`` the rate each
optimiser family gets (the course's ``train`` holds one rate while the handout has students
choose one per activation and report it; the grader uses one the handout suggests that trains
that activation, and says so). Calibrated on 2 CPU cores, see docs/assignments/cs446-hw3.md.
A ``siren_model.p`` the student submitted is judged too (for the report, at the course's bar).

Each activation is trained once per grading session (``siren_runs``), failures included.
"""

from __future__ import annotations

import numpy as np
import pytest
from cs446_helpers import cameraman_target, fail, load_course_siren, psnr, roughness, siren_images

ACTIVATIONS = ("sin", "tanh", "relu")
#: (total_epochs, batch_size) the grader passes to train(), per activation
RUNS = {"sin": (4, 128), "tanh": (8, 128), "relu": (8, 128)}
#: the learning rate per optimiser family and activation (the handout's 10^-k, k = 2, 3, 4)
LEARNING_RATES = {"sin": {"Adam": 1e-4, "SGD": 1e-4},
                  "tanh": {"Adam": 1e-3, "SGD": 1e-2},
                  "relu": {"Adam": 1e-3, "SGD": 1e-2}}
#: point 1, "loss": the MSE over the whole image after the grader's run, at most this (a correct run
#: of this length reaches about half of it; the mean grey level alone gives 0.33, broken code 0.3-1)
MAX_LOSS = {"sin": 0.06, "tanh": 0.1, "relu": 0.1}
#: point 2, "clear image": the PSNR (dB, images in [-1, 1]) after the grader's run, at least this
#: (20 dB is an MSE of 0.04, 16.5 dB of 0.09)
MIN_PSNR = {"sin": 20.0, "tanh": 16.5, "relu": 16.5}
#: the course's bar ("-1 point if loss above 0.03"), for a submitted full-length siren_model.p
COURSE_MAX_LOSS = 0.03
#: "very noisy loss curve": judged on curves of at least MIN_CURVE_EPOCHS epochs
MAX_ROUGHNESS = 0.01
MIN_CURVE_EPOCHS = 10
#: an empty Laplacian: a ReLU network's second derivatives are exactly 0
MAX_RELU_LAPLACIAN = 1e-6
#: wall-clock limit of one training call (a busy machine; a correct run takes well under a minute)
CALL_LIMIT_S = 300
SEED = 446


@pytest.fixture(scope="session")
def siren_runs():
    """activation -> the run's data, or the failure message (each activation trains once)."""
    return {}


@pytest.fixture(scope="session")
def _submitted():
    return {}


@pytest.fixture
def submitted_model(student, _submitted):
    """The student's own siren_model.p judged as each activation's Siren, or None (read once)."""
    if "found" not in _submitted:
        _submitted["found"] = _judge_submitted(student)
    return _submitted["found"]


def _judge_submitted(student):
    try:
        state = student.probe.saved_state("siren_model.p")
    except Exception:  # noqa: BLE001 - absent or unreadable: nothing to show
        return None
    target, found = cameraman_target(), {}
    for activation in ACTIVATIONS:
        try:
            output = siren_images(load_course_siren(state, activation))["output"]
        except BaseException:  # noqa: BLE001 - pytest.fail from a state of another shape
            return None
        found[activation] = float(np.mean((output - target) ** 2))
    return found


def _run(student, siren_runs, activation):
    if activation not in siren_runs:
        try:
            siren_runs[activation] = _train(student, activation)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - a failed run fails each of its tests with one message
            siren_runs[activation] = str(exc).strip() or type(exc).__name__
    run = siren_runs[activation]
    if isinstance(run, str):
        fail(run if run.startswith("5.5") else f"5.5 {activation}: {run}")
    return run


def _train(student, activation):
    epochs, batch = RUNS[activation]
    with student.call_limit(CALL_LIMIT_S):
        raw = student.probe.course_train(student.siren, activation, epochs, batch, SEED,
                                         LEARNING_RATES[activation])
    model = load_course_siren(raw["state"], activation, raw["orientation"])
    images = siren_images(model)
    target = cameraman_target()
    curves = [np.asarray(c, dtype=np.float64) for c in raw["curves"]]
    curve = next((c for c in curves if len(c) == epochs and np.all(np.isfinite(c))), None)
    optimisers = "; ".join(f"{o['optimizer']} at lr {o['lr']:g} (yours: {o['their_lr']:g})"
                           if o["lr"] is not None else f"{o['optimizer']} at your lr {o['their_lr']:g}"
                           for o in raw["optimizers"]) or "no torch optimiser"
    run = {**images, "curve": curve, "own_laplacian": raw["own_laplacian"],
           "loss": float(np.mean((images["output"].astype(np.float64) - target) ** 2)),
           "psnr": psnr(images["output"], target),
           "source": (f"your train({epochs}, {batch}, {activation!r}) run by the grader ({optimisers}; "
                      f"{raw['train_cpu_s']:.0f} s CPU), {raw['source']} judged in the course's Siren")}
    return run


def _attach_run(attach, run, activation, submitted):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 5, figsize=(18, 3.8))
    panels = (("output", f"output ({run['psnr']:.1f} dB)"), ("grad", "gradient norm"), ("laplacian", "Laplacian"))
    for ax, (name, title) in zip(axes, panels):
        ax.imshow(np.asarray(run[name], dtype=np.float32), cmap="gray")
        ax.set_title(title)
        ax.axis("off")
    axes[3].imshow(cameraman_target(), cmap="gray")
    axes[3].set_title("the cameraman (target)")
    axes[3].axis("off")
    if run["curve"] is not None:
        axes[4].semilogy(np.arange(1, len(run["curve"]) + 1), run["curve"], marker="o")
        axes[4].set_xlabel("epoch")
    axes[4].axhline(COURSE_MAX_LOSS, color="grey", linestyle=":", label="0.03")
    axes[4].set_title("your figure's loss curve" if run["curve"] is not None else "no loss curve drawn")
    fig.tight_layout()
    attach.figure(fig, f"5.5 {activation}: the grader's run of your train() (loss {run['loss']:.4f})")
    if submitted is not None:
        best = min(submitted, key=submitted.get)
        attach.text(f"Your submitted siren_model.p, read as a {best} Siren, has a loss of {submitted[best]:.4f} over "
                    f"the image (the course's bar: {COURSE_MAX_LOSS}); it is shown for the TA, the points come "
                    "from the grader's run.", "siren_model.p")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_loss(student, siren_runs, activation):
    run = _run(student, siren_runs, activation)
    if run["loss"] > MAX_LOSS[activation]:
        fail(f"5.5 {activation}: after the grader's run the loss over the whole image is {run['loss']:.4f}, above "
             f"{MAX_LOSS[activation]} ({run['source']}). A correct SingleLayer, dataset and MSE loop reach it; "
             "check omega in forward, the initialisation and the loss")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_clear_image_and_smooth_curve(student, siren_runs, submitted_model, attach, activation):
    run = _run(student, siren_runs, activation)
    _attach_run(attach, run, activation, submitted_model)
    problems = []
    if run["psnr"] < MIN_PSNR[activation]:
        problems.append(f"the image is blurry: PSNR {run['psnr']:.2f} dB against the cameraman, a correct run of "
                        f"this length reaches {MIN_PSNR[activation]:g} dB")
    curve = run["curve"]
    if curve is not None and len(curve) >= MIN_CURVE_EPOCHS and roughness(curve) > MAX_ROUGHNESS:
        problems.append(f"the loss curve is very noisy (roughness {roughness(curve):.4f} > {MAX_ROUGHNESS}: the "
                        "mean upward jump of log10(loss) per epoch over the second half)")
    if problems:
        fail(f"5.5 {activation} ({run['source']}): " + "; ".join(problems))


def test_relu_laplacian_is_empty(student, siren_runs):
    """The course's third plot for the relu run, computed from the student's own network (their
    SingleLayers, the weights they saved): a ReLU network's Laplacian is 0 everywhere."""
    run = _run(student, siren_runs, "relu")
    laplacian = run["own_laplacian"]
    if isinstance(laplacian, str):
        fail(f"5.5 relu: the Laplacian of your Siren with the saved weights could not be computed: {laplacian}")
    largest = float(np.abs(np.asarray(laplacian)).max())
    if not np.isfinite(largest) or largest > MAX_RELU_LAPLACIAN:
        fail(f"5.5 relu: the Laplacian image is not empty (largest |value| {largest:.3g}); a network of linear "
             "layers and ReLUs has zero second derivatives, so the 'relu' run is not a ReLU network")

