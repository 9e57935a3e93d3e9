"""Notebooks as students write them on Colab (``graderworker.compat.colab``): Colab-only lines
neither fail the run nor reach a shell or the network, and the report lists each one."""

from __future__ import annotations

from tests.notebooks.conftest import GOOD_CELLS

COLAB_CELLS = [
    "# Homework on Colab",
    "from google.colab import drive\ndrive.mount('/content/drive')\n%cd /content/drive/MyDrive/hw1",
    "%%capture\n!pip install torch==1.0",
    "!touch ran.txt\nimport os\nprint('shell ran:', os.path.exists('ran.txt'))",
    "%matplotlib inline\n%pip install nltk\nlisted = !ls\nprint('ls gave', listed)",
    "%%bash\ntouch bash_ran.txt",
    "print('bash ran:', os.path.exists('bash_ran.txt'))\nwith open('/content/out.txt', 'w') as f:\n"
    "    f.write('x')\nprint('content is the workspace:', os.path.exists('out.txt'))",
    "import tensorflow",
]


def _text(cell) -> str:  # type: ignore[no-untyped-def]
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def test_colab_lines_are_skipped_listed_and_run_nothing(grade_notebook):
    result = grade_notebook(COLAB_CELLS + GOOD_CELLS)
    assert result.score == result.max_score, [(i.id, i.messages) for i in result.items]
    cells = {c.index: c for c in result.notebook.cells}
    assert cells[3].status == "ok" and "shell ran: False" in _text(cells[3]), cells[3]
    assert "ls gave []" in _text(cells[4]), cells[4]
    assert "bash ran: False" in _text(cells[6]) and "content is the workspace: True" in _text(cells[6]), cells[6]
    notes = "\n".join(result.notes)
    for expected in ("skipped drive.mount('/content/drive') (at cell 1, line 2): Google Drive is not available",
                     "skipped %cd /content/drive/MyDrive/hw1 (at cell 1, line 3): Google Drive is not available",
                     "ran %%capture (at cell 2, line 1)",
                     "skipped !pip install torch==1.0 (at cell 2, line 1): the grading sandbox runs no shell commands",
                     "skipped !touch ran.txt (at cell 3, line 1)",
                     "skipped %matplotlib inline (at cell 4, line 1): figures are shown after each cell anyway",
                     "skipped %pip install nltk (at cell 4, line 2)",
                     "skipped !ls (at cell 4, line 3)",
                     "skipped %%bash (at cell 5, line 1)"):
        assert expected in notes, f"{expected!r} not in the notes:\n{notes}"
    # a module the environment lacks: the failing cell's message says what to do
    assert cells[7].status == "error"
    assert "The grading environment does not have tensorflow" in cells[7].message or any(
        "The grading environment does not have tensorflow" in o.get("evalue", "") for o in cells[7].outputs), cells[7]
