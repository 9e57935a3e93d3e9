"""Train the reference SIREN once per activation and store what the hidden tests compare with.

Writes ``tests/reference_runs.npz``: per activation the loss curve, the PSNR of the output
against the cameraman, and 8-bit copies of the output, gradient-norm and Laplacian images
(for the report's side-by-side figure only; the checks use the PSNR). Uses the reference's
own ``train`` and the settings in ``reference/cs446-hw3/answers.yaml``, with the grader's seed
and the probe's ``train_siren`` (the same code path as grading, minus the sandbox).

    GRADER_DATA=... .venv/bin/python rubrics/cs446-hw3/make_reference_runs.py [--seeds 446 1 2] [--threads 2]

With several seeds it prints the spread (the PSNR margin of the rubric comes from it) and
stores the first seed's run.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REFERENCE = ROOT / "reference" / "cs446-hw3"


def _quantise(image: np.ndarray, symmetric: bool) -> tuple[np.ndarray, float]:
    scale = float(np.percentile(np.abs(image), 99.9)) or 1.0
    low = -scale if symmetric else 0.0
    scaled = np.clip((image - low) / (scale - low), 0, 1)
    return np.round(scaled * 255).astype(np.uint8), scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[446])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--activations", nargs="+", default=["sin", "tanh", "relu"])
    parser.add_argument("--out", type=Path, default=HERE / "tests" / "reference_runs.npz")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    sys.path[:0] = [str(REFERENCE), str(HERE / "tests"), str(ROOT)]
    os.chdir(os.environ.get("TMPDIR", "/tmp"))   # train() saves its model in the working folder
    import siren  # the reference
    from cs446_helpers import cameraman_target, psnr, roughness

    from grader.worker.probes.cs446_hw3 import train_siren

    settings = yaml.safe_load((REFERENCE / "answers.yaml").read_text())["5.5"]
    target = cameraman_target()
    stored: dict[str, np.ndarray] = {}
    for activation in args.activations:
        epochs, batch = settings[activation]["epochs"], settings[activation]["batch_size"]
        values = []
        for index, seed in enumerate(args.seeds):
            cpu = resource.getrusage(resource.RUSAGE_SELF)
            start = time.perf_counter()
            run = train_siren(siren, activation, epochs, batch, seed)
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu_s = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
            value = psnr(run["output"], target)
            values.append(value)
            print(f"{activation} seed {seed}: {epochs} epochs batch {batch}: wall {time.perf_counter() - start:.1f} s "
                  f"(train {run['train_s']:.1f} s), cpu {cpu_s:.1f} s, final loss {run['losses'][-1]:.4f}, "
                  f"PSNR {value:.2f} dB, roughness {roughness(run['losses']):.4f}, "
                  f"max|laplacian| {np.abs(run['laplacian']).max():.3g}", flush=True)
            if index == 0:
                stored[f"{activation}_losses"] = run["losses"]
                stored[f"{activation}_psnr"] = np.float64(value)
                stored[f"{activation}_output"], _ = _quantise(run["output"], True)
                stored[f"{activation}_grad"], stored[f"{activation}_grad_scale"] = _quantise(run["grad"], False)
                stored[f"{activation}_laplacian"], stored[f"{activation}_laplacian_scale"] = _quantise(
                    run["laplacian"], True)
        if len(values) > 1:
            print(f"{activation}: PSNR over seeds {np.round(values, 2).tolist()}, spread {max(values) - min(values):.2f} dB")
    if args.out.exists():
        with np.load(args.out) as old:
            stored = {**{k: old[k] for k in old.files}, **stored}
    np.savez_compressed(args.out, **stored)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
