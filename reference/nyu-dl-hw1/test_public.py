"""Public tests for mlp.py and gd.py: run ``pytest`` in this folder.

Each MLP test builds your network, runs forward, a loss and backward, and compares the
output, the loss and all four gradients with the same network made of ``torch.nn`` layers
whose gradients come from autograd (tolerance 1e-3).

The hidden tests go further: every pair of activations with both losses, a batch of one,
layers of width one, a saturated sigmoid, clear_grad_and_cache, and no autograd or
torch.nn inside mlp.py. Write your own tests too.
"""

import pytest
import torch
from torch import nn

from gd import gradient_descent
from mlp import MLP, bce_loss, mse_loss

TOL = 1e-3
ACTIVATION = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "identity": nn.Identity}
GRAD_OF = {"dJdW1": "W1", "dJdb1": "b1", "dJdW2": "W2", "dJdb2": "b2"}


def _torch_twin(net, f_function, g_function):
    """The same network from torch.nn layers, holding a copy of ``net.parameters``."""
    p = net.parameters
    linear_1 = nn.Linear(p["W1"].shape[1], p["W1"].shape[0])
    linear_2 = nn.Linear(p["W2"].shape[1], p["W2"].shape[0])
    with torch.no_grad():
        linear_1.weight.copy_(p["W1"])
        linear_1.bias.copy_(p["b1"])
        linear_2.weight.copy_(p["W2"])
        linear_2.bias.copy_(p["b2"])
    model = nn.Sequential(linear_1, ACTIVATION[f_function](), linear_2, ACTIVATION[g_function]())
    grads_of = {"dJdW1": linear_1.weight, "dJdb1": linear_1.bias, "dJdW2": linear_2.weight, "dJdb2": linear_2.bias}
    return model, grads_of


def _max_abs_diff(got, expected):
    assert isinstance(got, torch.Tensor), f"expected a tensor, got {type(got).__name__}"
    assert got.shape == expected.shape, f"shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
    return (got - expected).abs().max().item()


def _check_against_autograd(n_in, hidden, n_out, f_function, g_function, loss_name, seed, batch=10):
    torch.manual_seed(seed)
    net = MLP(n_in, hidden, f_function, hidden, n_out, g_function)
    x = torch.randn(batch, n_in)
    if loss_name == "mse":
        y = torch.randn(batch, n_out)
        ours, theirs = mse_loss, nn.MSELoss()
    else:
        y = (torch.rand(batch, n_out) < 0.5).float()
        ours, theirs = bce_loss, nn.BCELoss()

    net.clear_grad_and_cache()
    y_hat = net.forward(x)
    J, dJdy_hat = ours(y, y_hat)
    net.backward(dJdy_hat)

    model, grads_of = _torch_twin(net, f_function, g_function)
    y_hat_torch = model(x)
    J_torch = theirs(y_hat_torch, y)
    J_torch.backward()

    label = f"MLP({n_in}, {hidden}, {f_function!r}, {hidden}, {n_out}, {g_function!r}) with {loss_name}"
    err = _max_abs_diff(y_hat, y_hat_torch.detach())
    assert err < TOL, f"{label}: forward output off by up to {err:.3g}"
    err = abs(float(J) - J_torch.item())
    assert err < TOL, f"{label}: loss J is {float(J):.6g}, torch says {J_torch.item():.6g}"
    for name, param in grads_of.items():
        err = _max_abs_diff(net.grads[name], param.grad)
        assert err < TOL, f"{label}: {name} (gradient of {GRAD_OF[name]}) off by up to {err:.3g}"


def test_relu_identity_mse():
    _check_against_autograd(2, 20, 5, "relu", "identity", "mse", seed=1)


def test_sigmoid_sigmoid_bce():
    _check_against_autograd(2, 20, 5, "sigmoid", "sigmoid", "bce", seed=2)


def test_relu_relu_mse():
    _check_against_autograd(2, 20, 22, "relu", "relu", "mse", seed=3)


def _small_classifier(seed, num_classes=5):
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, num_classes),
    )
    for layer in model:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    return model.eval()


@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_descent_raises_target_probability(seed):
    model = _small_classifier(seed)
    torch.manual_seed(100 + seed)
    image = torch.randn(1, 3, 16, 16) * 0.5
    with torch.no_grad():
        before = torch.softmax(model(image), dim=1)[0]
    target = int(before.argmin())
    weights = [p.detach().clone() for p in model.parameters()]

    def loss(logits):  # to minimise: cross-entropy towards the target class
        return nn.functional.cross_entropy(logits, torch.tensor([target]))

    result = gradient_descent(image, model, loss)
    assert isinstance(result, torch.Tensor) and result.shape == image.shape
    assert torch.isfinite(result).all()
    with torch.no_grad():
        after = torch.softmax(model(result), dim=1)[0, target].item()
    assert after >= before[target].item() + 0.15, (
        f"probability of class {target}: {before[target].item():.3f} before, {after:.3f} after"
    )
    assert all(torch.equal(w, p) for w, p in zip(weights, model.parameters())), "the model's weights changed"
