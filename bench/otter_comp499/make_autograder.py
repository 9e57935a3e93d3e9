"""Write an otter-grader autograder zip for comp499-a1 whose tests mirror our hidden tests.

    python bench/otter_comp499/make_autograder.py autograder.zip

Used only by bench/bench_notebook.py, to time otter on the same notebook. Each otter test is
a doctest run in the notebook's own namespace (otter's model, which is the weakness our
design avoids); the checks are the same computations as rubrics/comp499-a1/tests, except
the figure checks (otter has no record of figures per part; they are left out).
"""

from __future__ import annotations

import json
import pprint
import sys
import textwrap
import zipfile

CHECKS = {
    "q1b": (8, """
        import torch
        g = torch.Generator().manual_seed(0)
        x, y = torch.randn(12, 10, generator=g, dtype=torch.float64), torch.randn(12, generator=g, dtype=torch.float64)
        ps = [torch.randn(s, generator=g, dtype=torch.float64) for s in [(20, 10), (20,), (20,), ()]]
        tp = [p.clone().requires_grad_() for p in [x] + ps]
        J = torch.log(torch.cosh(torch.tanh(tp[0] @ tp[1].T + tp[2]) @ tp[3] + tp[4] - y)).mean(); J.backward()
        mine = manual_gradients(x, y, *ps)
        ok = all(torch.allclose(mine[k].double(), t.grad) for k, t in zip(["x", "W1", "b1", "w2", "b2"], tp))
        ok = ok and torch.allclose(logcosh_loss(mlp_forward(x, *ps), y).double(), J.detach())
        """),
    "q1c": (8, """
        import torch
        theta = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
        f = lambda t: (torch.sin(t) * torch.arange(1.0, 4.0, dtype=torch.float64)).sum() + (t ** 2).sum()
        t = theta.clone().requires_grad_(); f(t).backward()
        ok = torch.allclose(finite_difference_grad(f, theta).double(), t.grad, rtol=1e-4, atol=1e-5)
        import inspect
        src = inspect.getsource(finite_difference_grad)
        ok = ok and "gradcheck" not in src and "backward" not in src and "autograd" not in src
        """),
    "q1d": (5, """
        import numpy as np, torch, os
        root = os.environ.get("COMP499_DATA", "/data") + "/diabetes/"
        X = torch.tensor(np.loadtxt(root + "diabetes_data_raw.csv.gz"), dtype=torch.float32)
        y = torch.tensor(np.loadtxt(root + "diabetes_target.csv.gz"), dtype=torch.float32)
        X = (X - X.mean(0)) / X.std(0); y = (y - y.mean()) / y.std()
        perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(499)); tr, te = perm[:350], perm[350:]
        out = train_regression(X[tr], y[tr], X[te], y[te], 15, 0)
        pred = torch.tanh(X[te] @ out["W1"].T + out["b1"]) @ out["w2"] + out["b2"]
        ok = len(out["test_mse"]) == 15 and float(((pred - y[te]) ** 2).mean()) < 0.75
        """),
    "q2bc": (17, """
        import torch, math
        g = torch.Generator().manual_seed(1)
        ok = True
        for L in (3, 5, 10):
            w = {"W1": torch.randn(30, 2, generator=g, dtype=torch.float64)}
            for i in range(2, L + 1):
                w[f"W{i}"] = torch.randn(30, 30, generator=g, dtype=torch.float64) / math.sqrt(30)
            w["WF"] = torch.randn(10, 30, generator=g, dtype=torch.float64) / math.sqrt(30)
            x0 = torch.randn(2, generator=g, dtype=torch.float64)
            def f(v):
                h = v
                for i in range(1, L + 1):
                    h = torch.tanh(w[f"W{i}"] @ h)
                return w["WF"] @ h
            ref = torch.func.jacrev(f)(x0)
            ok = ok and torch.allclose(jacobian_forward(x0, w).double(), ref, rtol=1e-4, atol=1e-6)
            ok = ok and torch.allclose(jacobian_reverse(x0, w).double(), ref, rtol=1e-4, atol=1e-6)
        saved = torch.autograd.grad, torch.Tensor.backward, torch.func.jacrev, torch.func.vjp
        def stop(*a, **k):
            raise RuntimeError("reverse mode")
        torch.autograd.grad = torch.Tensor.backward = torch.func.jacrev = torch.func.vjp = stop
        try:
            jacobian_forward(x0, w)
        except RuntimeError:
            ok = False
        finally:
            torch.autograd.grad, torch.Tensor.backward, torch.func.jacrev, torch.func.vjp = saved
        """),
    "q2d": (4, """
        ok = all(isinstance(benchmark_results[L][m], float) and benchmark_results[L][m] > 0
                 for L in (3, 5, 10) for m in ("reverse", "forward"))
        """),
    "q3": (11, """
        import torch
        def run(net, x):
            act = {"relu": torch.relu, "sigmoid": torch.sigmoid}[net["activation"]]
            h = x
            for i, (W, b) in enumerate(net["layers"]):
                h = h @ torch.as_tensor(W, dtype=torch.float64).T + torch.as_tensor(b, dtype=torch.float64)
                h = act(h) if i < len(net["layers"]) - 1 else h
            return h[:, 0]
        xs = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float64)
        ok = bool(((run(xnor_net, xs) - torch.tensor([1.0, 0, 0, 1], dtype=torch.float64)).abs() < 0.1).all())
        t = torch.linspace(-1, 2, 301, dtype=torch.float64)
        tri = torch.where((t >= 0) & (t <= 0.5), 2 * t, torch.where((t > 0.5) & (t <= 1), 2 * (1 - t), 0 * t))
        ok = ok and bool(((run(triangle_net, t[:, None]) - tri).abs() < 0.02).all())
        t = torch.linspace(-3, 3, 241, dtype=torch.float64)
        for s in (0.5, 1.3):
            st = torch.clamp(t.abs() - s, min=0) * torch.sign(t)
            ok = ok and bool(((run(soft_threshold_net(s), t[:, None]) - st).abs() < 0.02).all())
        """),
    "q4abc": (15, """
        import torch, torch.nn as nn, math
        lin = [m for m in my_model(8).modules() if isinstance(m, nn.Linear)]
        ok = [(m.in_features, m.out_features) for m in lin] == [(784, 50)] + [(50, 50)] * 7 + [(50, 10)]
        for d in (0.01, 0.1, 2.0, "xavier"):
            m = init_weights(my_model(8), d) or m
            for layer in [l for l in m.modules() if isinstance(l, nn.Linear)]:
                bound = math.sqrt(6 / (layer.in_features + layer.out_features)) if d == "xavier" else d
                ok = ok and float(layer.weight.abs().max()) <= bound * (1 + 1e-6) and float(layer.bias.abs().max()) == 0
        stats = layer_statistics(init_weights(my_model(8), "xavier"), torch.rand(64, 784), torch.randint(0, 10, (64,)))
        ok = ok and len(stats["mean_activation"]) == 8 and len(stats["grad_norm"]) == 8
        """),
    "q4d": (8, """
        import gzip, numpy as np, torch, os
        root = os.environ.get("COMP499_DATA", "/data") + "/mnist/"
        images = np.frombuffer(gzip.decompress(open(root + "t10k-images-idx3-ubyte.gz", "rb").read()), np.uint8, offset=16)
        labels = np.frombuffer(gzip.decompress(open(root + "t10k-labels-idx1-ubyte.gz", "rb").read()), np.uint8, offset=8)
        with torch.no_grad():
            pred = trained_models["xavier"](torch.tensor(images.reshape(-1, 784), dtype=torch.float32) / 255).argmax(1)
        ok = float((pred.numpy() == labels).mean()) >= 0.85
        """),
    "q5": (10, """
        import torch
        g = torch.Generator().manual_seed(2)
        X, y, w0 = torch.randn(20, 4, generator=g, dtype=torch.float64), torch.randn(20, generator=g, dtype=torch.float64), torch.randn(4, generator=g, dtype=torch.float64)
        alpha = 0.5 / float(torch.linalg.eigvalsh(X.T @ X).max())
        def gd(w, k):
            for _ in range(k):
                w = w - alpha * X.T @ (X @ w - y)
            return w
        ok = torch.allclose(squared_loss_grad(X, w0, y), X.T @ (X @ w0 - y))
        ok = ok and torch.allclose(least_squares_solution(X, y), torch.linalg.lstsq(X, y).solution)
        w1, w2 = gd_first_iterates(X, y, w0, alpha)
        ok = ok and torch.allclose(w1, gd(w0, 1)) and torch.allclose(w2, gd(w0, 2))
        ok = ok and all(torch.allclose(gd_iterate(X, y, w0, alpha, k), gd(w0, k)) for k in (0, 1, 7, 40))
        """),
}


def otter_test(name: str, points: int, code: str) -> str:
    """One OK-format test: the check's body as a function, run with the notebook's prints and warnings
    silenced (a doctest compares printed output), then ``bool(ok)`` expected to be ``True``."""
    body = textwrap.indent(textwrap.dedent(code).strip("\n") + "\nreturn ok", "    ")
    lines = ["def _check():"] + body.split("\n")
    doctest = "\n".join((">>> " if i == 0 else "... ") + line for i, line in enumerate(lines))
    doctest += ("\n>>> import contextlib, io, warnings"
                "\n>>> with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():"
                "\n...     warnings.simplefilter('ignore')"
                "\n...     ok = _check()"
                "\n>>> bool(ok)\nTrue")
    case = {"code": doctest, "hidden": False, "locked": False}
    test = {"name": name, "points": points,
            "suites": [{"cases": [case], "scored": True, "setup": "", "teardown": "", "type": "doctest"}]}
    return "OK_FORMAT = True\n\ntest = " + pprint.pformat(test, width=110) + "\n"


def main(target: str) -> None:
    with zipfile.ZipFile(target, "w") as zf:
        zf.writestr("otter_config.json", json.dumps({"lang": "python", "variables": {}}))
        zf.writestr("requirements.txt", "")
        for name, (points, code) in CHECKS.items():
            zf.writestr(f"tests/{name}.py", otter_test(name, points, code))


if __name__ == "__main__":
    main(sys.argv[1])
