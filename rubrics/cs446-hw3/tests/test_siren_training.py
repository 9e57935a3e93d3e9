"""5.5: the student's own SIREN runs, one per activation, judged by the homework's grading notes.

The settings (epochs, batch size) come from the student's answers.yaml ``"5.5"``; their
``train()`` runs in the worker (probe ``train_siren``) with a seed of the grader's, and the
probe computes the output, gradient-norm and Laplacian images itself. Everything is compared
on the trusted side with the grader's cameraman and with the reference's run
(``reference_runs.npz``, made by ``rubrics/cs446-hw3/make_reference_runs.py``).

Budget: a run whose estimated cost (the probe's timing of the student's own steps times the
number of steps) exceeds ``TRAIN_BUDGET_S`` is not retrained in full. The grader then judges
the model the student saved (``siren_<activation>.pt`` with ``siren_<activation>_losses.json``,
both written by ``train()``) and confirms it by retraining as many epochs as fit the budget:
that shorter run must reach ``CONFIRM_FACTOR`` times the saved curve's loss at the same epoch.

Each activation is trained once per grading session (``siren_runs`` caches the outcome,
failures included) and shared by its tests.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
from cs446_helpers import cameraman_target, fail, psnr, roughness

ACTIVATIONS = ("sin", "tanh", "relu")
PIXELS = 256 * 256
#: the note: "-1 point (for each activation) if loss above 0.03 in plot"
MAX_FINAL_LOSS = 0.03
#: "blurry image (should be at least as clear as ours)": PSNR at most this far below the
#: reference run's (about twice the largest seed-to-seed spread of the reference, 0.69 dB for sin)
PSNR_MARGIN_DB = 1.5
#: "very noisy loss curve": ``roughness`` (mean upward step of log10 loss over the second half)
MAX_ROUGHNESS = 0.01
#: an empty Laplacian: a ReLU network's second derivatives are exactly 0
MAX_RELU_LAPLACIAN = 1e-6
#: CPU seconds of training the grader spends on one activation (the reference needs 11-37 s);
#: an instructor may set another with the environment variable CS446_TRAIN_BUDGET_S
TRAIN_BUDGET_S = 240.0
#: the estimate: the probe's timed steps (CPU) times this, plus ITEM_CPU_S per pixel and epoch
#: for the data loader (both measured on the reference: 20 tanh epochs, 36 s, estimated 42 s)
STEP_OVERHEAD = 1.15
ITEM_CPU_S = 12e-6
#: wall-clock limit of one training call, for a machine busier than the CPU budget assumes
CALL_LIMIT_S = 3 * TRAIN_BUDGET_S + 60
#: a partial retrain confirms a saved model when its last loss is at most this times the saved one
CONFIRM_FACTOR = 1.5
SEED = 446
REFERENCE_FILE = Path(__file__).with_name("reference_runs.npz")


def _budget() -> float:
    """TRAIN_BUDGET_S, or CS446_TRAIN_BUDGET_S from the grader's environment (read at each run)."""
    value = os.environ.get("CS446_TRAIN_BUDGET_S")
    return float(value) if value else TRAIN_BUDGET_S


@pytest.fixture(scope="session")
def siren_runs():
    """activation -> the run's data, or the failure message (each activation trains once)."""
    return {}


@pytest.fixture(scope="session")
def reference_runs():
    with np.load(REFERENCE_FILE) as data:
        return {key: data[key] for key in data.files}


def _settings(answers, activation):
    runs = answers.require("5.5")
    if not isinstance(runs, dict) or not isinstance(runs.get(activation), dict):
        fail(f"5.5: answers.yaml should give, for {activation}, a mapping "
             "{epochs: ..., batch_size: ..., learning_rate: ...} under \"5.5\"")
    entry = runs[activation]
    values = {}
    for name, low, high in (("epochs", 1, 100_000), ("batch_size", 1, PIXELS)):
        value = entry.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            fail(f"5.5 {activation}: {name} should be a whole number from {low} to {high}; found {value!r}")
        values[name] = value
    return values["epochs"], values["batch_size"]


def _run(student, answers, siren_runs, activation):
    if activation not in siren_runs:
        try:
            siren_runs[activation] = _train_or_load(student, answers, activation)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - a failed run fails each of its tests with one message
            siren_runs[activation] = str(exc).strip() or type(exc).__name__
    run = siren_runs[activation]
    if isinstance(run, str):
        fail(run if run.startswith("5.5") else f"5.5 {activation}: {run}")
    return run


def _train_or_load(student, answers, activation):
    epochs, batch = _settings(answers, activation)
    step_s = float(student.probe.siren_step_seconds(student.siren, activation, batch))
    per_epoch = math.ceil(PIXELS / batch) * step_s * STEP_OVERHEAD + PIXELS * ITEM_CPU_S
    estimate = epochs * per_epoch
    budget = _budget()
    if estimate <= budget:
        with student.call_limit(CALL_LIMIT_S):
            run = student.probe.train_siren(student.siren, activation, epochs, batch, SEED)
        run["source"] = (f"retrained by the grader: {epochs} epochs, batch {batch} ({run['train_cpu_s']:.0f} s CPU, "
                         f"estimated {estimate:.0f} s)")
        return _checked(run, activation, epochs)
    saved = f"siren_{activation}.pt"
    try:
        with student.call_limit(120):
            run = student.probe.evaluate_saved_siren(student.siren, activation, saved)
    except Exception as exc:  # noqa: BLE001 - any reason the saved model is unusable goes to the student
        fail(f"5.5 {activation}: {epochs} epochs at batch {batch} would take about {estimate:.0f} CPU s here, over the "
             f"grader's budget of {budget:.0f} CPU s per activation, and the saved model {saved} could not be "
             f"used ({exc}). Submit {saved} and siren_{activation}_losses.json as train() writes them, or choose "
             "settings that train faster")
    confirm = max(1, int(budget // per_epoch))
    with student.call_limit(CALL_LIMIT_S):
        check = student.probe.train_siren(student.siren, activation, confirm, batch, SEED)
    saved_losses = run["losses"]
    if len(saved_losses) != epochs:
        fail(f"5.5 {activation}: siren_{activation}_losses.json holds {len(saved_losses)} epochs; answers.yaml "
             f"says {epochs}")
    # a run of `confirm` epochs (its own schedule) should do at least about as well as the
    # saved run did after the same number of epochs
    claimed = float(saved_losses[confirm - 1])
    if float(check["losses"][-1]) > CONFIRM_FACTOR * claimed:
        fail(f"5.5 {activation}: the saved run claims a loss of {claimed:.4f} after {confirm} epochs; retraining "
             f"{confirm} epochs with your code reached only {float(check['losses'][-1]):.4f}")
    run["source"] = (f"saved model {saved} ({epochs} epochs, batch {batch}: ~{estimate:.0f} s, over the budget), "
                     f"confirmed by retraining {confirm} epochs (loss {float(check['losses'][-1]):.4f})")
    return _checked(run, activation, epochs)


def _checked(run, activation, epochs):
    losses = np.asarray(run["losses"], dtype=np.float64)
    if losses.ndim != 1 or len(losses) != epochs or not np.all(np.isfinite(losses)):
        fail(f"5.5 {activation}: train() should return one finite loss per epoch ({epochs}); got "
             f"{losses.shape} values")
    for name in ("output", "grad", "laplacian"):
        if np.asarray(run[name]).shape != (256, 256):
            fail(f"5.5 {activation}: the model's {name} image is not 256 x 256")
    run["losses"] = losses
    run["psnr"] = psnr(run["output"], cameraman_target())
    run["roughness"] = roughness(losses)
    return run


def _attach_run(attach, run, reference_runs, activation):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(14, 7))
    ref = {name: reference_runs[f"{activation}_{name}"] for name in ("output", "grad", "laplacian", "losses")}
    rows = [("yours", run, run["psnr"]), ("reference", ref, float(reference_runs[f"{activation}_psnr"]))]
    for r, (label, data, value) in enumerate(rows):
        for c, (name, title) in enumerate((("output", "output"), ("grad", "gradient norm"),
                                           ("laplacian", "Laplacian"))):
            axes[r, c].imshow(np.asarray(data[name], dtype=np.float32), cmap="gray")
            axes[r, c].set_title(f"{label}: {title}" + (f" ({value:.1f} dB)" if name == "output" else ""))
            axes[r, c].axis("off")
    for label, data in (("yours", run), ("reference", ref)):
        axes[0, 3].semilogy(np.arange(1, len(data["losses"]) + 1), data["losses"], label=label)
    axes[0, 3].axhline(MAX_FINAL_LOSS, color="grey", linestyle=":", label="0.03")
    axes[0, 3].set_xlabel("epoch")
    axes[0, 3].set_title("training loss")
    axes[0, 3].legend()
    axes[1, 3].axis("off")
    axes[1, 3].text(0, 0.5, f"{activation}\n{run['source']}\nfinal loss {run['losses'][-1]:.4f}\n"
                    f"roughness {run['roughness']:.4f}", wrap=True, fontsize=9)
    fig.tight_layout()
    attach.figure(fig, f"5.5 {activation}: your run beside the reference's")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_final_loss(student, answers, siren_runs, activation):
    run = _run(student, answers, siren_runs, activation)
    final = float(run["losses"][-1])
    if final > MAX_FINAL_LOSS:
        fail(f"5.5 {activation}: the final loss is {final:.4f}, above {MAX_FINAL_LOSS} ({run['source']}). "
             "Train longer, or lower the learning rate as the loss plateaus (5.7)")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_clear_image_and_smooth_curve(student, answers, siren_runs, reference_runs, attach, activation):
    run = _run(student, answers, siren_runs, activation)
    _attach_run(attach, run, reference_runs, activation)
    reference_psnr = float(reference_runs[f"{activation}_psnr"])
    problems = []
    if run["psnr"] < reference_psnr - PSNR_MARGIN_DB:
        problems.append(f"the image is blurrier than the reference's: PSNR {run['psnr']:.2f} dB against the "
                        f"cameraman, the reference run reaches {reference_psnr:.2f} dB (allowed: "
                        f"{PSNR_MARGIN_DB:g} dB less)")
    if run["roughness"] > MAX_ROUGHNESS:
        problems.append(f"the loss curve is very noisy (roughness {run['roughness']:.4f} > {MAX_ROUGHNESS}: "
                        "the mean upward jump of log10(loss) per epoch over the second half); lower the "
                        "learning rate or let it decay")
    if activation == "sin":
        others = {a: siren_runs[a] for a in ("tanh", "relu") if isinstance(siren_runs.get(a), dict)}
        worse = [f"{a} ({r['psnr']:.2f} dB)" for a, r in others.items() if r["psnr"] >= run["psnr"]]
        if worse:
            problems.append(f"sin ({run['psnr']:.2f} dB) should give a clearer image than {', '.join(worse)}")
    if problems:
        fail(f"5.5 {activation} ({run['source']}): " + "; ".join(problems))


def test_relu_laplacian_is_empty(student, answers, siren_runs):
    run = _run(student, answers, siren_runs, "relu")
    largest = float(np.abs(run["laplacian"]).max())
    if largest > MAX_RELU_LAPLACIAN:
        fail(f"5.5 relu: the Laplacian image is not empty (largest |value| {largest:.3g}); a network of linear "
             "layers and ReLUs has zero second derivatives, so the 'relu' run is not a ReLU network")
