"""Backpropagation by hand: a two-layer perceptron whose gradients you derive and write.

The network is ``Linear_1 -> f -> Linear_2 -> g``::

    z1 = x @ W1.T + b1      (batch x hidden)
    z2 = f(z1)
    z3 = z2 @ W2.T + b2     (batch x out)
    y_hat = g(z3)

with ``f`` and ``g`` each one of ``"relu"``, ``"sigmoid"`` or ``"identity"``.

The homework's one rule: no PyTorch autograd in this file (no ``requires_grad``, no
``.backward()``, nothing from ``torch.autograd`` or ``torch.func``). Tensor operations
(``@``, ``torch.exp``, ``.clamp``) and ``torch.nn`` activations used as functions are fine.

The course's test1.py..test3.py compare your four gradients with autograd's; the hidden
tests also try every pair of activations, both losses, a batch of one, layers of width one
and inputs that saturate the sigmoid (your losses and activations must not return NaN there).
"""

import torch

# (helper functions of your own, if you want some, go here)


class MLP:
    def __init__(
        self,
        linear_1_in_features,
        linear_1_out_features,
        f_function,
        linear_2_in_features,
        linear_2_out_features,
        g_function,
    ):
        """Set up the parameters, the gradients and the cache.

        Args:
            linear_1_in_features: the in features of the first linear layer
            linear_1_out_features: the out features of the first linear layer
            f_function: the activation after the first linear layer: "relu" | "sigmoid" | "identity"
            linear_2_in_features: the in features of the second linear layer (equal to
                ``linear_1_out_features``)
            linear_2_out_features: the out features of the second linear layer
            g_function: the activation after the second linear layer: "relu" | "sigmoid" | "identity"
        """
        self.f_function = f_function
        self.g_function = g_function

        # W is (out x in) and b is (out,), as in nn.Linear
        self.parameters = dict(
            W1=torch.randn(linear_1_out_features, linear_1_in_features),
            b1=torch.randn(linear_1_out_features),
            W2=torch.randn(linear_2_out_features, linear_2_in_features),
            b2=torch.randn(linear_2_out_features),
        )
        self.grads = dict(
            dJdW1=torch.zeros(linear_1_out_features, linear_1_in_features),
            dJdb1=torch.zeros(linear_1_out_features),
            dJdW2=torch.zeros(linear_2_out_features, linear_2_in_features),
            dJdb2=torch.zeros(linear_2_out_features),
        )
        # put whatever forward() computes and backward() needs in here
        self.cache = dict()

    def forward(self, x):
        """Compute the network's output and keep what backward needs in ``self.cache``.

        Args:
            x: tensor of shape (batch_size, linear_1_in_features)

        Returns:
            y_hat: tensor of shape (batch_size, linear_2_out_features)
        """
        raise NotImplementedError("MLP.forward: write this part")

    def backward(self, dJdy_hat):
        """Fill ``self.grads`` with the gradients of the loss J with respect to the parameters.

        The losses below already divide by the number of elements, so the gradients here
        are the sums over the batch of the per-sample gradients (no further averaging).
        Each gradient has the shape of its parameter: ``dJdW1`` is like ``W1`` (out x in),
        ``dJdb1`` is like ``b1`` (a vector of length out).

        Args:
            dJdy_hat: the gradient of the loss with respect to the network's output, of
                shape (batch_size, linear_2_out_features)
        """
        raise NotImplementedError("MLP.backward: write this part")

    def clear_grad_and_cache(self):
        """Zero every gradient in place and empty the cache (provided: nothing to write here)."""
        for grad in self.grads.values():
            grad.zero_()
        self.cache = dict()


def mse_loss(y, y_hat):
    """Mean squared error over all elements.

    Args:
        y: the targets, tensor of shape (batch_size, linear_2_out_features)
        y_hat: the predictions, tensor of shape (batch_size, linear_2_out_features)

    Returns:
        J: scalar, the mean of (y_hat - y)**2 over all batch_size * out elements
        dJdy_hat: the gradient of J with respect to y_hat, shape of y_hat
    """
    raise NotImplementedError("mse_loss: write this part")


def bce_loss(y, y_hat):
    """Binary cross-entropy, averaged over all elements.

    Args:
        y: the targets in [0, 1] (not only 0 or 1), shape (batch_size, linear_2_out_features)
        y_hat: the predictions in (0, 1), shape (batch_size, linear_2_out_features)

    Returns:
        J: scalar, the mean of -(y log y_hat + (1 - y) log(1 - y_hat)) over all elements
        dJdy_hat: the gradient of J with respect to y_hat, shape of y_hat
    """
    raise NotImplementedError("bce_loss: write this part")
