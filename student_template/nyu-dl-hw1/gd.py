"""Gradient descent on the input: find the image a classifier sees as a chosen class.

Here autograd is allowed (and needed): the gradient is taken with respect to the image,
never used to change the classifier.

Import only torch and the standard library at the top of this file: the grader imports it
without torchvision or matplotlib and calls ``gradient_descent`` with a classifier of its
own. Keep any demo with a pretrained model (and your visuals) under
``if __name__ == "__main__":`` or in another file.
"""

import torch

#: pixel range of an image normalised the way the classifier expects
IMAGE_RANGE = (-3.0, 3.0)


def gradient_descent(input, model, loss, iterations=256):
    """Optimise an image, starting from ``input``, so that ``loss(model(image))`` decreases.

    Contract (the course's text leaves it open; the grader relies on this):

    - ``input``: a float tensor of shape ``1 x C x H x W``, normalised the way ``model``
      expects (values of order 1). It is the starting point; do not modify it in place.
    - ``model``: an ``nn.Module`` classifier in eval mode, mapping ``1 x C x H x W`` to
      logits of shape ``1 x K``. Leave its parameters, buffers and mode unchanged: do not
      train it, do not call ``model.train()``.
    - ``loss``: a callable taking the logits and returning a scalar tensor to MINIMISE,
      for instance ``lambda logits: -logits[0, target]`` to make class ``target`` win.
    - ``iterations``: the number of optimisation steps.

    Returns:
        a new tensor with the shape of ``input``, detached from any graph, with finite
        values. (This solution also clamps the pixels to ``IMAGE_RANGE`` after every step;
        the grader does not require it.)

    The grader calls it with its own small classifier and the loss above, and checks that
    the target class's softmax probability rises clearly from the starting image, and
    that the classifier is left as it was. Adam or signed-gradient steps with a step size
    between 0.01 and 0.1 work well.
    """
    raise NotImplementedError("gradient_descent: write this part")
