"""Synthetic nyu-dl-hw1 submissions for the similarity tests and bench: the template filled in two honest ways.

``REFERENCE`` is the reference's own solution blocks; ``HONEST`` another student's, written
independently (other helpers, other calls, other order of statements). ``submission`` puts a set of
blocks into the generated template (``student_template/nyu-dl-hw1``) as a student would: helpers
where the template invites them, each ``raise NotImplementedError`` replaced by code. Disguises:
``rename`` (whole words, in the student's own code only), ``reorder`` (top-level definitions of
mlp.py shuffled), ``recomment`` (comments, blank lines and spacing changed).
"""

from __future__ import annotations

import ast
import random
import re
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "student_template" / "nyu-dl-hw1"
REFERENCE_DIR = REPO / "reference" / "nyu-dl-hw1"
BLOCKS = ("helpers", "forward", "backward", "mse", "bce", "gd")
_HELPER_SLOT = "# (helper functions of your own, if you want some, go here)"
_STUBS = {"forward": 'raise NotImplementedError("MLP.forward: write this part")',
          "backward": 'raise NotImplementedError("MLP.backward: write this part")',
          "mse": 'raise NotImplementedError("mse_loss: write this part")',
          "bce": 'raise NotImplementedError("bce_loss: write this part")',
          "gd": 'raise NotImplementedError("gradient_descent: write this part")'}
_SOLUTION = re.compile(r"# BEGIN SOLUTION[^\n]*\n(.*?)\n[ \t]*# END SOLUTION", re.S)


def _reference_blocks() -> dict[str, str]:
    mlp = _SOLUTION.findall((REFERENCE_DIR / "mlp.py").read_text())
    gd = _SOLUTION.findall((REFERENCE_DIR / "gd.py").read_text())
    found = dict(zip(BLOCKS[:5], mlp))
    found["gd"] = gd[0]
    return {name: textwrap.dedent(code).strip("\n") + "\n" for name, code in found.items()}


REFERENCE = _reference_blocks()

HONEST = {
    "helpers": '''
def act(kind, t):
    if kind == "identity":
        return t
    elif kind == "relu":
        return torch.maximum(t, torch.zeros_like(t))
    elif kind == "sigmoid":
        return torch.sigmoid(t)
    raise ValueError(kind)


def act_deriv(kind, t):
    if kind == "identity":
        return torch.ones_like(t)
    elif kind == "relu":
        return torch.where(t > 0, torch.ones_like(t), torch.zeros_like(t))
    s = torch.sigmoid(t)
    return s * (1 - s)
''',
    "forward": '''
W1, b1 = self.parameters["W1"], self.parameters["b1"]
W2, b2 = self.parameters["W2"], self.parameters["b2"]
self.cache["x"] = x
s1 = torch.matmul(x, W1.t()) + b1
self.cache["s1"] = s1
a1 = act(self.f_function, s1)
self.cache["a1"] = a1
s2 = torch.matmul(a1, W2.t()) + b2
self.cache["s2"] = s2
out = act(self.g_function, s2)
return out
''',
    "backward": '''
x, s1, a1, s2 = (self.cache[k] for k in ("x", "s1", "a1", "s2"))
delta2 = dJdy_hat * act_deriv(self.g_function, s2)
self.grads["dJdW2"] = torch.matmul(delta2.t(), a1)
self.grads["dJdb2"] = torch.sum(delta2, 0)
delta1 = torch.matmul(delta2, self.parameters["W2"]) * act_deriv(self.f_function, s1)
self.grads["dJdW1"] = torch.matmul(delta1.t(), x)
self.grads["dJdb1"] = torch.sum(delta1, 0)
''',
    "mse": '''
J = torch.mean((y_hat - y) ** 2)
dJdy_hat = 2 * (y_hat - y) / y.numel()
return J, dJdy_hat
''',
    "bce": '''
eps = 1e-7
q = torch.clamp(y_hat, eps, 1 - eps)
J = torch.mean(-y * torch.log(q) - (1 - y) * torch.log(1 - q))
dJdy_hat = (q - y) / (q * (1 - q)) / y.numel()
return J, dJdy_hat
''',
    "gd": '''
img = input
for step in range(iterations):
    out = loss(model(normalize_and_jitter(img)))
    g = torch.autograd.grad(out, img)[0]
    with torch.no_grad():
        img = torch.clamp(img + 0.05 * g / g.norm(), 0, 1)
    img.requires_grad_(True)
return img.detach()
''',
}
HONEST = {name: code.strip("\n") + "\n" for name, code in HONEST.items()}

#: names of the reference's own code a copier would rename
REFERENCE_RENAMES = {"activate": "apply_act", "activate_grad": "apply_act_grad", "ACTIVATIONS": "KINDS", "z1": "pre1",
                     "z2": "post1", "z3": "pre2", "y_hat": "prediction", "diff": "delta", "n": "total",
                     "count": "m", "log_p": "lp", "log_q": "lq", "p": "params", "c": "memo", "e": "ex",
                     "image": "picture", "step_size": "lr", "grad": "gradient", "score": "objective",
                     "dJdz1": "g1", "dJdz2": "g2", "dJdz3": "g3", "name": "kind", "z": "v", "a": "out"}


def rename(blocks: dict[str, str], mapping: dict[str, str]) -> dict[str, str]:
    """Whole-word renames in the student's own code (strings and the template are left alone)."""
    pattern = re.compile(r"(?<![\w\"'])(" + "|".join(map(re.escape, sorted(mapping, key=len, reverse=True)))
                         + r")(?![\w\"'])")
    return {k: pattern.sub(lambda m: mapping[m.group(1)], v) for k, v in blocks.items()}


def recomment(blocks: dict[str, str]) -> dict[str, str]:
    """Comments after every other line, blank lines, spacing around operators changed: nothing that counts."""
    out = {}
    for name, code in blocks.items():
        lines = []
        for n, line in enumerate(code.split("\n")):
            line = re.sub(r"(?<=\w) = (?=\w)", "  =  ", line)
            lines.append(line + (f"  # step {n}: my own words" if n % 2 and line.strip() else ""))
            if n % 3 == 2 and line.strip():
                lines.append("")
        out[name] = "# written late at night\n" + "\n".join(lines)
    return out


def submission(blocks: dict[str, str]) -> dict[str, str]:
    """The template with ``blocks`` put in: ``{"mlp.py": ..., "gd.py": ..., "test_public.py": ...}``."""
    mlp = (TEMPLATE / "mlp.py").read_text()
    gd = (TEMPLATE / "gd.py").read_text()
    mlp = mlp.replace(_HELPER_SLOT, blocks["helpers"].rstrip("\n"))
    for name in ("forward", "backward"):
        mlp = mlp.replace(_STUBS[name], textwrap.indent(blocks[name], " " * 8).strip())
    for name in ("mse", "bce"):
        mlp = mlp.replace(_STUBS[name], textwrap.indent(blocks[name], " " * 4).strip())
    gd = gd.replace(_STUBS["gd"], textwrap.indent(blocks["gd"], " " * 4).strip())
    assert "NotImplementedError" not in mlp + gd, "a stub of the template was not filled"
    return {"mlp.py": mlp, "gd.py": gd, "test_public.py": (TEMPLATE / "test_public.py").read_text()}


def reorder(files: dict[str, str], seed: int = 1) -> dict[str, str]:
    """mlp.py's top-level functions and class in another order (imports and docstring stay first)."""
    text = files["mlp.py"]
    lines = text.split("\n")
    body = ast.parse(text).body
    starts = [node.lineno - 1 for node in body]
    first = next(i for i, node in enumerate(body) if isinstance(node, (ast.FunctionDef, ast.ClassDef)))
    head = lines[:starts[first]]
    chunks = [lines[starts[i]:(starts[i + 1] if i + 1 < len(starts) else len(lines))] for i in range(first, len(body))]
    original = list(chunks)
    rng = random.Random(seed)
    while chunks == original:
        rng.shuffle(chunks)
    out = dict(files)
    out["mlp.py"] = "\n".join(head + [line for chunk in chunks for line in chunk])
    return out


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder
