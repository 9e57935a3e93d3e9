"""Time Conv2d, FasterConv2d and PyTorch's convolution on a batch of 16 images of 28 x 28 (1a iii).

    python benchmark_conv2d.py

Prints each one's best-of-N time per call and the two ratios 1a iii asks for; write them
in answers.yaml as ``1a.iii: {faster_vs_naive: ..., torch_vs_faster: ...}``.
"""

import time

import torch
import torch.nn.functional as F

from psthree.conv import Conv2d, FasterConv2d


def best_time(fn, x, repeat=5):
    """Best wall time of ``fn(x)`` over ``repeat`` calls, after one warm-up call."""
    fn(x)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(x)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    torch.manual_seed(0)
    x = torch.randn(16, 3, 28, 28)
    filters, biases = torch.randn(8, 3, 3, 3), torch.randn(8)
    naive = Conv2d(3, 8, 3, padding=1, filters=filters, biases=biases)
    faster = FasterConv2d(3, 8, 3, padding=1, filters=filters, biases=biases)
    with torch.no_grad():
        times = {
            "Conv2d": best_time(naive, x),
            "FasterConv2d": best_time(faster, x),
            "torch": best_time(lambda t: F.conv2d(t, filters, biases, padding=1), x),
        }
    for name, seconds in times.items():
        print(f"{name:>12}: {seconds * 1e3:8.3f} ms per call")
    print(f"faster_vs_naive: {times['Conv2d'] / times['FasterConv2d']:.1f}")
    print(f"torch_vs_faster: {times['FasterConv2d'] / times['torch']:.1f}")


if __name__ == "__main__":
    main()
