"""Train the CNN or the ManualCNN on MNIST (1b, 1c).

    python train_mnist.py                          # CNN: 5 epochs, lr 0.001, batch 32
    python train_mnist.py --model_type manual_cnn  # ManualCNN

80/20 train/validation split of MNIST's training images; the test accuracy is printed at
the end. Results (loss.png, accuracy.png, model.pth) go to
``results/<model_type>/mnist/<timestamp>/``.
"""

import argparse
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset, random_split

from psthree import train_test
from psthree.cnn import CNN, ManualCNN
from psthree.data import mnist_tensors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model_type", choices=("cnn", "manual_cnn"), default="cnn")
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--data", default=None, help="the mnist folder (default: $GRADER_DATA/mnist)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    images, labels = mnist_tensors("train", args.data)
    full = TensorDataset(images, labels)
    n_val = len(full) // 5
    train_set, val_set = random_split(full, [len(full) - n_val, n_val])
    train_dl = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    val_dl = DataLoader(val_set, batch_size=1000)
    model = CNN() if args.model_type == "cnn" else ManualCNN()
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    criterion = torch.nn.CrossEntropyLoss()
    results = Path("results") / args.model_type / "mnist" / time.strftime("%Y%m%d-%H%M%S")
    logger = train_test.train(model, args.model_type, train_dl, val_dl, criterion, optimizer, args.epochs,
                              train_test.MetricsLogger(), results)
    test_images, test_labels = mnist_tensors("test", args.data)
    loss, accuracy = train_test.test(model, args.model_type, DataLoader(TensorDataset(test_images, test_labels),
                                                                        batch_size=1000), criterion, logger)
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.4f}; results in {results}")


if __name__ == "__main__":
    main()
