"""Gradient descent on the input: find the image that a classifier sees as a chosen class.

Laid out as the course's starter is: everything above the "DO NOT CHANGE" line (the
imports, DEVICE, the ImageNet statistics, save_img and main) stays as given; you write
gradient_descent below it, and may use the helpers given there.

main() loads VGG13-BN with ImageNet weights, and for each of the labels 0, 12 and 954:
builds a mid-grey noisy image of shape (1, 3, 224, 224) in pixel space ([0, 1]), calls
``image.requires_grad_()`` on it, then
``gradient_descent(image, model, lambda tensor: tensor[0, label].mean())``. The third
argument returns the label's logit: a score to MAXIMISE. main() then saves the returned
image and prints the label's softmax probability on it, fed to the model as returned.
"""

import cv2 as cv
import numpy as np
import torch
from torchvision import transforms
from torchvision.models import VGG13_BN_Weights, vgg13_bn
from tqdm import tqdm

DEVICE = "cpu"  # "cuda" on a machine with a GPU

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def save_img(image, path):
    """Write a (1, 3, H, W) image in [0, 1] to ``path`` (OpenCV wants H x W x BGR bytes)."""
    pixels = image[0].detach().cpu().clamp(0, 1).permute(1, 2, 0).numpy()
    cv.imwrite(path, np.ascontiguousarray(pixels[:, :, ::-1] * 255).astype(np.uint8))


def main():
    model = vgg13_bn(weights=VGG13_BN_Weights.IMAGENET1K_V1).to(DEVICE)
    print(model)
    for label in tqdm([0, 12, 954]):
        image = torch.randn(1, 224, 224, 3).to(DEVICE)
        image = (image * 8 + 128) / 255  # mid-grey with a little noise
        image = image.permute(0, 3, 1, 2)
        image.requires_grad_()
        image = gradient_descent(image, model, lambda tensor: tensor[0, label].mean())
        save_img(image, f"./img_{label}.jpg")
        out = model(image)
        print(f"ANSWER_FOR_LABEL_{label}: {out.softmax(1)[0, label].item()}")


# DO NOT CHANGE ANY OTHER FUNCTIONS ABOVE THIS LINE FOR THE FINAL SUBMISSION


def normalize_and_jitter(img, step=32):
    """Shift ``img`` by a random number of pixels (up to ``step``) and normalise it for VGG.

    Optimising through random shifts gives smoother images than optimising one fixed view.
    """
    dx, dy = np.random.randint(-step, step - 1, 2)
    shifted = img.roll(int(dx), -1).roll(int(dy), -2)
    return transforms.Normalize(mean=IMAGENET_MEAN, std=IMAGENET_STD)(shifted)


def forward_and_return_activation(model, input, module):
    """Run ``model`` on ``input`` and return what ``module`` (one of its layers) outputs.

    For the extra credit: maximise a middle layer's activation instead of a class score.
    """
    captured = []
    handle = module.register_forward_hook(lambda _module, _inputs, output: captured.append(output))
    try:
        model(input)
    finally:
        handle.remove()
    return captured[0]


def gradient_descent(input, model, loss, iterations=256):
    """Change ``input`` so that ``loss(model(image))`` grows, and return the image.

    Args:
        input: the starting image, (1, 3, 224, 224) in pixel space; main() has already
            called ``requires_grad_()`` on it.
        model: the classifier (VGG13-BN in main()).
        loss: maps the model's output to the score to maximise (the label's logit in main()).
        iterations: how many steps to take.

    Returns:
        the optimised image, (1, 3, 224, 224) in pixel space.
    """
    raise NotImplementedError("gradient_descent: write this part")


if __name__ == "__main__":
    main()
