"""Show a saved ManualCNN's four filters and their effect on a few MNIST digits (1c).

    python visualize_filters.py results/manual_cnn/mnist/<timestamp>/model.pth

Writes ``filters.png`` beside the model: one row per digit, the digit then its four
feature maps (after the ReLU), and the filters on the first row.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from psthree.data import mnist_tensors  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="a ManualCNN saved with torch.save(model)")
    parser.add_argument("--digits", type=int, default=4)
    parser.add_argument("--data", default=None)
    args = parser.parse_args(argv)

    model = torch.load(args.model, weights_only=False)
    images, _ = mnist_tensors("test", args.data)
    filters = model.conv.weight.detach()
    rows = args.digits + 1
    fig, axes = plt.subplots(rows, 5, figsize=(7.5, 1.6 * rows))
    axes[0, 0].axis("off")
    for k in range(4):
        axes[0, k + 1].imshow(filters[k, 0], cmap="RdBu_r")
        axes[0, k + 1].set_title(f"filter {k + 1}", fontsize=8)
    with torch.no_grad():
        maps = torch.relu(model.conv(images[: args.digits]))
    for row in range(args.digits):
        axes[row + 1, 0].imshow(images[row, 0], cmap="gray")
        for k in range(4):
            axes[row + 1, k + 1].imshow(maps[row, k], cmap="gray")
    for ax in axes.flat:
        ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    target = Path(args.model).with_name("filters.png")
    fig.savefig(target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
