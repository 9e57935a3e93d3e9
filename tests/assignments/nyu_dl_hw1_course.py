"""nyu-dl-hw1 submissions written the way the course's students write them (a data module).

Each ``CourseSubmission`` is a whole submission folder: an ``mlp.py`` and a ``gd.py`` (or
``sgd.py``) written against the course's starter (``shared/assignments/REAL_INTERFACES.md``,
section 1), not against our reference: the starter's header in ``gd.py`` (cv2, torchvision,
tqdm, DEVICE, main, the DO NOT CHANGE line, normalize_and_jitter), the styles real students
used (torch.nn modules as functions, extra keyword arguments, a renamed first parameter,
model.eval() or not, a raw or a normalised image returned, nn.Parameter), the files they
zipped (theory.pdf, the public test scripts), and the mistakes they made. ``expected`` is the
score of every automatic item; the test grades each one and compares.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["CourseSubmission", "SUBMISSIONS", "FULL"]

#: every automatic item at full marks (gd.visuals is the TA's extra credit)
FULL = {
    "backprop.forward": 3, "backprop.mse_loss": 2, "backprop.bce_loss": 2, "backprop.bce_saturation": 1,
    "backprop.backward_relu_identity": 3, "backprop.backward_sigmoid": 3, "backprop.edge_cases": 2,
    "backprop.rules": 2, "gd.optimise": 2,
}


class CourseSubmission(NamedTuple):
    id: str
    files: dict[str, str | bytes]
    #: points of each automatic item (FULL with some items changed)
    expected: dict[str, float]
    why: str


# ------------------------------------------------------------------------------ mlp.py
#: a Fall 2022 style mlp.py: torch.nn modules used as functions, torch.nn.functional imported
MLP_WITH_NN_MODULES = '''import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP:
    def __init__(self, linear_1_in_features, linear_1_out_features, f_function,
                 linear_2_in_features, linear_2_out_features, g_function):
        """f_function, g_function: relu | sigmoid | identity"""
        self.f_function = f_function
        self.g_function = g_function
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
        self.cache = dict()
        self.functions = {"relu": nn.ReLU(), "sigmoid": nn.Sigmoid(), "identity": nn.Identity()}

    def derivative(self, name, s):
        if name == "relu":
            return (s > 0).float()
        if name == "sigmoid":
            return s * (1 - s)
        return torch.ones_like(s)

    def forward(self, x):
        s1 = x @ self.parameters["W1"].t() + self.parameters["b1"]
        a1 = self.functions[self.f_function](s1)
        s2 = a1 @ self.parameters["W2"].t() + self.parameters["b2"]
        y_hat = self.functions[self.g_function](s2)
        self.cache["x"], self.cache["s1"], self.cache["a1"] = x, s1, a1
        self.cache["s2"], self.cache["y_hat"] = s2, y_hat
        return y_hat

    def backward(self, dJdy_hat):
        c = self.cache
        if self.g_function == "sigmoid":
            delta2 = dJdy_hat * self.derivative("sigmoid", c["y_hat"])
        else:
            delta2 = dJdy_hat * self.derivative(self.g_function, c["s2"])
        self.grads["dJdW2"] += delta2.t() @ c["a1"]
        self.grads["dJdb2"] += delta2.sum(0)
        back = delta2 @ self.parameters["W2"]
        if self.f_function == "sigmoid":
            delta1 = back * self.derivative("sigmoid", c["a1"])
        else:
            delta1 = back * self.derivative(self.f_function, c["s1"])
        self.grads["dJdW1"] += delta1.t() @ c["x"]
        self.grads["dJdb1"] += delta1.sum(0)

    def clear_grad_and_cache(self):
        for grad in self.grads:
            self.grads[grad].zero_()
        self.cache = dict()


def mse_loss(y, y_hat):
    loss = ((y_hat - y) ** 2).mean()
    dJdy_hat = 2 * (y_hat - y) / y.numel()
    return loss, dJdy_hat


def bce_loss(y, y_hat):
    eps = 1e-7
    p = y_hat.clamp(eps, 1 - eps)
    loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    dJdy_hat = (p - y) / (p * (1 - p)) / y.numel()
    return loss, dJdy_hat
'''

#: the real NaN-at-saturation slip: log of exactly 0 or 1 when the sigmoid saturates
MLP_NAN_BCE = MLP_WITH_NN_MODULES.replace(
    '''    eps = 1e-7
    p = y_hat.clamp(eps, 1 - eps)
    loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    dJdy_hat = (p - y) / (p * (1 - p)) / y.numel()''',
    '''    loss = -(y * torch.log(y_hat) + (1 - y) * torch.log(1 - y_hat)).mean()
    dJdy_hat = (-y / y_hat + (1 - y) / (1 - y_hat)) / y.numel()''')

#: right numbers, but the backward pass is autograd's: the course's one rule broken
MLP_AUTOGRAD = MLP_WITH_NN_MODULES.replace(
    '''    def backward(self, dJdy_hat):
        c = self.cache''',
    '''    def backward(self, dJdy_hat):
        leaves = {k: v.clone().requires_grad_() for k, v in self.parameters.items()}
        s1 = self.cache["x"] @ leaves["W1"].t() + leaves["b1"]
        s2 = self.functions[self.f_function](s1) @ leaves["W2"].t() + leaves["b2"]
        self.functions[self.g_function](s2).backward(dJdy_hat)
        for k, v in leaves.items():
            self.grads["dJd" + k] = v.grad
        return
        c = self.cache''')

# ------------------------------------------------------------------------------ gd.py
#: the starter's part above the marker, as every year hands it out (DEVICE line per year)
GD_HEADER = '''import cv2 as cv
import numpy as np
import torch
from torchvision import transforms
from torchvision.models import VGG13_BN_Weights, vgg13_bn
from tqdm import tqdm

DEVICE = {device}

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def save_img(image, path):
    image = image[0].permute(1, 2, 0).clamp(0, 1).detach().cpu().numpy()
    cv.imwrite(path, (image[:, :, ::-1] * 255).astype(np.uint8))


def main():
    model = vgg13_bn(VGG13_BN_Weights.IMAGENET1K_V1).to(DEVICE)
    print(model)
    for label in [0, 12, 954]:
        image = torch.randn(1, 224, 224, 3).to(DEVICE)
        image = (image * 8 + 128) / 255
        image = image.permute(0, 3, 1, 2)
        image.requires_grad_()
        image = gradient_descent(image, model, lambda tensor: tensor[0, label].mean())
        save_img(image, f"./img_{{label}}.jpg")
        out = model(image)
        print(f"ANSWER_FOR_LABEL_{{label}}: {{out.softmax(1)[0, label].item()}}")


# DO NOT CHANGE ANY OTHER FUNCTIONS ABOVE THIS LINE FOR THE FINAL SUBMISSION


def normalize_and_jitter(img, step=32):
    dx, dy = np.random.randint(-step, step - 1, 2)
    return transforms.Normalize(mean=IMAGENET_MEAN, std=IMAGENET_STD)(
        img.roll(dx, -1).roll(dy, -2)
    )


def forward_and_return_activation(model, input, module):
    features = []

    def hook(model, input, output):
        features.append(output)

    handle = module.register_forward_hook(hook)
    model(input)
    handle.remove()
    return features[0]

'''

#: ascent through the jitter helper, the pdf's lr, .data updates (the most common solution)
GD_JITTER_ASCENT = '''
def gradient_descent(input, model, loss, iterations=256):
    lr = 0.01
    for i in tqdm(range(iterations)):
        out = model(normalize_and_jitter(input))
        l = loss(out)
        l.backward()
        grad = input.grad / (input.grad.abs().mean() + 1e-8)
        input.data += lr * grad
        input.data = input.data.clamp(0, 1)
        input.grad.zero_()
    return input
'''

#: extra keyword arguments, no jitter, plain gradient (not normalised) with a bigger step
GD_KEYWORDS_NO_JITTER = '''
def gradient_descent(input, model, loss, iterations=256, lr=0.1):
    normalize = transforms.Normalize(mean=IMAGENET_MEAN, std=IMAGENET_STD)
    for _ in range(iterations):
        score = loss(model(normalize(input)))
        score.backward()
        with torch.no_grad():
            input += lr * input.grad
            input.grad.zero_()
    return input.detach()
'''

#: a renamed first parameter and the keyword arguments one student added (blur every few steps)
GD_RENAMED_WITH_BLUR = '''
def blur(img, kernel_size):
    weight = torch.ones(3, 1, kernel_size, kernel_size) / kernel_size ** 2
    return torch.nn.functional.conv2d(img, weight, padding=kernel_size // 2, groups=3)


def gradient_descent(img, model, loss, iterations=256, learning_rate=0.04, apply_blur_every=20, kernel_size=3):
    for i in range(iterations):
        value = loss(model(normalize_and_jitter(img)))
        grad, = torch.autograd.grad(value, img)
        with torch.no_grad():
            img += learning_rate * grad / grad.std()
            if apply_blur_every and i % apply_blur_every == 0:
                img.copy_(blur(img, kernel_size))
            img.clamp_(0, 1)
    return img.detach()
'''

#: model.eval() first, then Adam on the image, minimising minus the score
GD_EVAL_ADAM = '''
def gradient_descent(input, model, loss, iterations=256):
    model.eval()
    optimizer = torch.optim.Adam([input], lr=0.01)
    for _ in range(iterations):
        optimizer.zero_grad()
        (-loss(model(normalize_and_jitter(input)))).backward()
        optimizer.step()
    return input.detach()
'''

#: optimises the normalised image itself and returns it normalised (no un-normalising)
GD_RETURNS_NORMALISED = '''
def gradient_descent(input, model, loss, iterations=256):
    image = transforms.Normalize(mean=IMAGENET_MEAN, std=IMAGENET_STD)(input).detach().requires_grad_()
    for _ in range(iterations):
        value = loss(model(image.roll(int(np.random.randint(-8, 8)), -1)))
        value.backward()
        with torch.no_grad():
            image += 0.05 * image.grad / (image.grad.abs().mean() + 1e-8)
        image.grad = None
    return image.detach()
'''

#: the image wrapped in nn.Parameter, SGD with momentum
GD_PARAMETER = '''
def gradient_descent(input, model, loss, iterations=256):
    image = torch.nn.Parameter(input.detach().clone())
    optimizer = torch.optim.SGD([image], lr=0.5, momentum=0.9)
    for _ in range(iterations):
        optimizer.zero_grad()
        score = loss(model(normalize_and_jitter(image)))
        (-score).backward()
        optimizer.step()
    return image.data
'''

#: a year with DEVICE = "cuda": the student moves everything to DEVICE inside the function too
GD_ON_DEVICE = '''
def gradient_descent(input, model, loss, iterations=256):
    model = model.to(DEVICE)
    image = input.detach().to(DEVICE).requires_grad_()
    for _ in range(iterations):
        score = loss(model(normalize_and_jitter(image)))
        grad, = torch.autograd.grad(score, image)
        image = (image + 0.01 * grad / (grad.abs().mean() + 1e-8)).detach().requires_grad_()
    return image.detach().cpu()
'''

#: the classic slip: a descent step on a score that is to be maximised
GD_WRONG_DIRECTION = GD_JITTER_ASCENT.replace("input.data += lr * grad", "input.data -= lr * grad")

#: a template left as it was, but returning the input so that main() runs
GD_NO_OP = '''
def gradient_descent(input, model, loss, iterations=256):
    return input
'''

THEORY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" \
             b"trailer<</Root 1 0 R>>\n%%EOF\n"
#: the course's public test scripts, which students were told not to zip and zipped anyway
TEST_SCRIPT = "from mlp import MLP, mse_loss, bce_loss\nimport torch\nprint('test script')\n"


def _gd(body: str, device: str = '"cpu"  # "cuda"') -> str:
    return GD_HEADER.format(device=device) + body + '\n\nif __name__ == "__main__":\n    main()\n'


def _with(**changes: float) -> dict[str, float]:
    return {**FULL, **{k.replace("__", "."): v for k, v in changes.items()}}


SUBMISSIONS: tuple[CourseSubmission, ...] = (
    CourseSubmission("nn_modules_jitter_ascent", {"mlp.py": MLP_WITH_NN_MODULES, "gd.py": _gd(GD_JITTER_ASCENT)},
                     FULL, "torch.nn modules in mlp.py (allowed), the common ascent through the jitter helper"),
    CourseSubmission("keywords_no_jitter", {"mlp.py": MLP_WITH_NN_MODULES, "gd.py": _gd(GD_KEYWORDS_NO_JITTER)},
                     FULL, "an extra lr= keyword, no jitter, a plain gradient step"),
    CourseSubmission("renamed_parameter_with_blur",
                     {"mlp.py": MLP_WITH_NN_MODULES, "gd.py": _gd(GD_RENAMED_WITH_BLUR)},
                     FULL, "first parameter renamed img, three extra keyword arguments, a blur every 20 steps"),
    CourseSubmission("eval_mode_adam", {"mlp.py": MLP_WITH_NN_MODULES, "gd.py": _gd(GD_EVAL_ADAM)},
                     FULL, "model.eval() called, Adam minimising minus the score"),
    CourseSubmission("returns_normalised_image",
                     {"mlp.py": MLP_WITH_NN_MODULES, "gd.py": _gd(GD_RETURNS_NORMALISED)},
                     FULL, "optimises and returns the normalised image (read as returned, it scores)"),
    CourseSubmission("image_as_parameter", {"mlp.py": MLP_WITH_NN_MODULES, "gd.py": _gd(GD_PARAMETER)},
                     FULL, "the image wrapped in nn.Parameter, SGD with momentum"),
    CourseSubmission("cuda_year", {"mlp.py": MLP_WITH_NN_MODULES, "gd.py": _gd(GD_ON_DEVICE, '"cuda"')},
                     FULL, 'DEVICE = "cuda" (Fall 2024, Spring 2025) and .to(DEVICE) inside: run on the CPU here'),
    CourseSubmission("sgd_py_spring_2024", {"mlp.py": MLP_WITH_NN_MODULES, "sgd.py": _gd(GD_JITTER_ASCENT)},
                     FULL, "the file is sgd.py, as in Spring 2023 and Spring 2024"),
    CourseSubmission("whole_zip_with_pdf_and_tests",
                     {"mlp.py": MLP_WITH_NN_MODULES, "gd.py": _gd(GD_JITTER_ASCENT), "theory.pdf": THEORY_PDF,
                      "test1.py": TEST_SCRIPT, "test2.py": TEST_SCRIPT, "test3.py": TEST_SCRIPT},
                     FULL, "theory.pdf and the public test scripts zipped beside the code"),
    CourseSubmission("nan_at_saturation", {"mlp.py": MLP_NAN_BCE, "gd.py": _gd(GD_JITTER_ASCENT)},
                     _with(backprop__bce_saturation=0),
                     "bce_loss takes log(0) when the sigmoid saturates: only the saturation point is lost"),
    CourseSubmission("wrong_direction", {"mlp.py": MLP_WITH_NN_MODULES, "gd.py": _gd(GD_WRONG_DIRECTION)},
                     _with(gd__optimise=0), "descends the score: every label's probability falls"),
    CourseSubmission("no_op", {"mlp.py": MLP_WITH_NN_MODULES, "gd.py": _gd(GD_NO_OP)},
                     _with(gd__optimise=0), "returns the starting image"),
    CourseSubmission("autograd_backward", {"mlp.py": MLP_AUTOGRAD, "gd.py": _gd(GD_JITTER_ASCENT)},
                     _with(backprop__rules=0), "the backward pass calls .backward(): the course's one rule"),
)
