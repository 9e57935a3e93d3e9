"""Pack the submission: the psthree package, the scripts, answers.yaml and the six checkpoints.

    python zip_assignment.py        # writes submission.zip in this folder

(``grader pack`` does the same and also checks that nothing required is missing.)
"""

import zipfile
from pathlib import Path

FILES = ["answers.yaml", "benchmark_conv2d.py", "train_mnist.py", "visualize_filters.py", "train_imdb.py",
         "test_imdb.py", "zip_assignment.py"]
CHECKPOINTS = [f"results/checkpoints/{m}_{r}.pth" for m in ("rnn", "lstm", "transformer") for r in ("short", "long")]


def main():
    root = Path(__file__).resolve().parent
    names = sorted(str(p.relative_to(root)) for p in (root / "psthree").glob("*.py")) + FILES + CHECKPOINTS
    missing = [n for n in names if not (root / n).is_file()]
    with zipfile.ZipFile(root / "submission.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            if name not in missing:
                archive.write(root / name, name)
    print(f"wrote submission.zip ({len(names) - len(missing)} files)")
    if missing:
        print("missing (not packed): " + ", ".join(missing))


if __name__ == "__main__":
    main()
