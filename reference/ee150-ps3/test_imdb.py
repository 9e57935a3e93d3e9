"""Classify reviews you type with a saved IMDB model (3d).

    python test_imdb.py results/checkpoints/transformer_short.pth

Type a review and press Enter; an empty line quits. Prints the predicted sentiment and
its confidence (the softmax probability of the predicted class).
"""

import argparse

import torch

from psthree.data import left_pad


def classify(model, text, length=200):
    """``(label, confidence)`` of ``text``: "positive" or "negative", and the probability."""
    ids = model.tokenizer.encode(model.tokenizer.preprocess(text))
    batch = torch.tensor([left_pad(ids, length)], dtype=torch.long)
    model.eval()
    with torch.no_grad():
        out = model(batch)
        logits = out[:, -1, :] if out.dim() == 3 else out
        probabilities = torch.softmax(logits, dim=1)[0]
    label = int(probabilities.argmax())
    return ("positive" if label == 1 else "negative"), float(probabilities[label])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="a model saved with torch.save(model) by train_imdb.py")
    parser.add_argument("--length", type=int, default=200)
    args = parser.parse_args(argv)
    model = torch.load(args.model, weights_only=False)
    while True:
        text = input("review> ").strip()
        if not text:
            return
        label, confidence = classify(model, text, args.length)
        print(f"{label} ({confidence:.1%})")


if __name__ == "__main__":
    main()
