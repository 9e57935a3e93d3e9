"""Template generation from reference solutions."""

from __future__ import annotations

import pytest

from grader.authoring.template import TemplateError, build_template, strip_solutions, template_drift

REFERENCE = '''import torch


class MLP:
    def forward(self, x):
        """Docstring stays."""
        # BEGIN SOLUTION
        z = x + 1
        return z
        # END SOLUTION

    def clear(self):
        # BEGIN SOLUTION: self.cache = {}
        self.cache = {"x": None}
        self.cache.clear()
        # END SOLUTION


# BEGIN SOLUTION: LEARNING_RATE = None
LEARNING_RATE = 0.1
# END SOLUTION
'''


def test_solution_blocks_become_stubs_named_after_their_function():
    out = strip_solutions(REFERENCE)
    assert 'raise NotImplementedError("MLP.forward: write this part")' in out
    assert "        self.cache = {}\n" in out and "clear()" not in out
    assert "LEARNING_RATE = None" in out and "0.1" not in out
    assert '"""Docstring stays."""' in out
    compile(out, "mlp.py", "exec")


@pytest.mark.parametrize("source, message", [
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n", "never closed"),
    ("def f():\n    return 1\n    # END SOLUTION\n", "without a matching BEGIN"),
    ("# BEGIN SOLUTION\nX = 1\n# END SOLUTION\n", "module-level solution block needs a stub"),
    ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    # END SOLUTION\n", "nested"),
])
def test_marker_mistakes_name_the_line(source, message):
    with pytest.raises(TemplateError, match=message):
        strip_solutions(source, "mlp.py")


def test_build_and_drift(tmp_path):
    ref = tmp_path / "ref"
    ref.mkdir()
    (ref / "mlp.py").write_text(REFERENCE)
    (ref / "README.md").write_text("hello\n")
    (ref / "__pycache__").mkdir()
    (ref / "__pycache__" / "x.pyc").write_bytes(b"")
    tpl = tmp_path / "tpl"
    build_template(ref, tpl, {"spec.json": "{}\n", "README.md": "generated\n"})
    assert (tpl / "spec.json").read_text() == "{}\n"
    assert (tpl / "README.md").read_text() == "hello\n", "a reference file wins over a generated one"
    assert not (tpl / "__pycache__").exists()
    extras = {"spec.json": "{}\n", "README.md": "generated\n"}
    assert template_drift(ref, tpl, extras) == []
    (ref / "mlp.py").write_text(REFERENCE.replace("x + 1", "x + 2").replace("# BEGIN SOLUTION: self", "# BEGIN SOLUTION: self"))
    (tpl / "extra.py").write_text("")
    (ref / "README.md").write_text("changed\n")
    assert template_drift(ref, tpl, extras) == ["extra: extra.py", "stale: README.md"]
    assert template_drift(ref, tpl, {}) == ["extra: extra.py", "extra: spec.json", "stale: README.md"]
