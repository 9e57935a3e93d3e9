"""``grader template build`` on notebooks: solution cells and blocks go, markdown stays, stable output."""

from __future__ import annotations

import nbformat

from grader.authoring.template import strip_solutions
from grader.notebooks.template import CODE_STUB, strip_notebook


def _reference() -> str:
    nb = nbformat.v4.new_notebook()
    tagged = nbformat.v4.new_code_cell("secret = 41 + 1\nprint(secret)")
    tagged.metadata["tags"] = ["solution"]
    answer = nbformat.v4.new_markdown_cell("## 1(a) answer\n\nThe gradient is tanh(r).")
    answer.metadata["tags"] = ["solution", "keep-me"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nInstructions stay."),
        nbformat.v4.new_code_cell("def f(x):\n    # BEGIN SOLUTION\n    return 2 * x\n    # END SOLUTION"),
        nbformat.v4.new_code_cell("# BEGIN SOLUTION\nanswer = f(21)\n# END SOLUTION\nprint('after')"),
        tagged,
        answer,
    ]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="old output")]
    nb.cells[1].execution_count = 3
    return nbformat.writes(nb)


def test_solutions_are_stripped_and_markdown_kept():
    out = nbformat.reads(strip_notebook(_reference()), as_version=4)
    sources = [c.source for c in out.cells]
    assert sources[0] == "# Title\n\nInstructions stay."
    assert sources[1] == 'def f(x):\n    raise NotImplementedError("f: write this part")'
    assert sources[2] == f"{CODE_STUB}\nprint('after')"
    assert sources[3] == CODE_STUB
    assert sources[4] == "## 1(a) answer"
    assert out.cells[4].metadata["tags"] == ["keep-me"]
    assert out.cells[1].outputs == [] and out.cells[1].execution_count is None
    text = strip_notebook(_reference())
    assert "41 + 1" not in text and "2 * x" not in text and "tanh(r)" not in text


def test_output_is_deterministic():
    assert strip_notebook(_reference()) == strip_notebook(_reference())


def test_python_files_are_unchanged_by_the_notebook_support():
    source = "def g():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n"
    assert strip_solutions(source) == 'def g():\n    raise NotImplementedError("g: write this part")\n'
