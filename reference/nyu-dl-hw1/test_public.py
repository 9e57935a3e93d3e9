"""Public tests for mlp.py and gd.py: run ``pytest`` in this folder.

The three MLP tests are the course's test1.py, test2.py and test3.py as pytest tests: the
same networks and losses, and, as there, only the four gradients are compared with those
of the same network made of ``torch.nn`` layers (autograd), to 1e-3. The hidden tests go
further (forward outputs, loss values, every pair of activations, a batch of one, layers
of width one, saturated sigmoids, no autograd in mlp.py): write your own tests too.

The gd.py test only checks that ``gradient_descent`` runs and returns an image of the
right shape; the grader calls it as ``main()`` does and scores how far it raises each
label's probability.
"""

import torch
from torch import nn

from gd import gradient_descent
from mlp import MLP, bce_loss, mse_loss

TOL = 1e-3
LAYER = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "identity": nn.Identity}


def _twin(net, f_function, g_function):
    """The same network from torch.nn layers, sharing ``net.parameters``'s values."""
    w1, w2 = net.parameters["W1"], net.parameters["W2"]
    linear_1 = nn.Linear(w1.shape[1], w1.shape[0])
    linear_2 = nn.Linear(w2.shape[1], w2.shape[0])
    with torch.no_grad():
        linear_1.weight.copy_(w1)
        linear_1.bias.copy_(net.parameters["b1"])
        linear_2.weight.copy_(w2)
        linear_2.bias.copy_(net.parameters["b2"])
    model = nn.Sequential(linear_1, LAYER[f_function](), linear_2, LAYER[g_function]())
    return model, {"dJdW1": linear_1.weight, "dJdb1": linear_1.bias, "dJdW2": linear_2.weight, "dJdb2": linear_2.bias}


def _compare_gradients(n_out, hidden, f_function, g_function, loss, y):
    net = MLP(2, hidden, f_function, hidden, n_out, g_function)
    x = torch.randn(10, 2)
    net.clear_grad_and_cache()
    y_hat = net.forward(x)
    _, dJdy_hat = loss(y, y_hat)
    net.backward(dJdy_hat)

    model, autograd_of = _twin(net, f_function, g_function)
    torch_loss = nn.MSELoss() if loss is mse_loss else nn.BCELoss()
    torch_loss(model(x), y).backward()
    for name, parameter in autograd_of.items():
        difference = (parameter.grad - net.grads[name]).norm().item()
        assert difference < TOL, f"{name} is off by {difference:.3g} (norm of the difference with autograd's)"


def test_relu_identity_mse():  # the course's test1
    torch.manual_seed(1)
    _compare_gradients(5, 20, "relu", "identity", mse_loss, torch.randn(10, 5))


def test_sigmoid_sigmoid_bce():  # the course's test2
    torch.manual_seed(2)
    _compare_gradients(5, 20, "sigmoid", "sigmoid", bce_loss, (torch.randn(10, 5) < 0.5) * 1.0)


def test_relu_relu_mse():  # the course's test3
    torch.manual_seed(3)
    _compare_gradients(22, 20, "relu", "relu", mse_loss, torch.randn(10, 22))


def test_gradient_descent_returns_an_image():
    torch.manual_seed(0)
    model = nn.Sequential(nn.AvgPool2d(8), nn.Flatten(), nn.Linear(3 * 28 * 28, 10))
    image = ((torch.randn(1, 224, 224, 3) * 8 + 128) / 255).permute(0, 3, 1, 2)
    image.requires_grad_()
    result = gradient_descent(image, model, lambda tensor: tensor[0, 4].mean(), 3)
    assert isinstance(result, torch.Tensor) and tuple(result.shape) == (1, 3, 224, 224)
    assert torch.isfinite(result).all()
