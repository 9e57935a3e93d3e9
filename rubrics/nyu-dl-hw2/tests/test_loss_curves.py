"""Problem 1.4.4: the loss and accuracy before training (4 classes, near-uniform predictions)."""

import math

from nyu_hw2_helpers import read_number


def test_initial_loss_and_accuracy(answers):
    loss = read_number(answers, "1.4.4.loss")
    assert abs(loss - math.log(4)) <= 0.01, (
        f"1.4.4.loss: {loss:.4g} is not the loss before training (give it to 2 decimals or as a formula).")
    accuracy = read_number(answers, "1.4.4.accuracy")
    if 1 < accuracy <= 100:
        accuracy /= 100  # written as a percentage
    assert abs(accuracy - 0.25) <= 0.005, (
        f"1.4.4.accuracy: {accuracy:.4g} is not the accuracy before training (a fraction, e.g. 0.5).")
