"""Generated files that make a student template a ready repository.

- ``.grader-assignment.json``: the public spec ``grader check`` and ``grader pack`` read;
- ``README.md`` (unless the reference ships its own): how to run, check and submit;
- ``.github/workflows/grader-check.yml``: runs ``grader check`` on every push, with
  CPU-only torch and pip's cache, so a student sees a green tick before the deadline.
"""

from __future__ import annotations

from grader.authoring.public_spec import SPEC_FILE, PublicSpec, spec_json

__all__ = ["student_repo_files", "WORKFLOW_FILE", "TORCH_PIN"]

WORKFLOW_FILE = ".github/workflows/grader-check.yml"
TORCH_PIN = "torch==2.13.0"

_WORKFLOW = """\
# Runs the grader's self-check on every push: the same checks as `grader check` on your laptop.
# No hidden tests run here; a green tick means your files are named right, import, pass the
# public tests and follow the assignment's rules.
name: grader check
on: [push, pull_request]
jobs:
  check:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
          cache-dependency-path: {workflow}
      - name: Install CPU-only torch and the grader
        id: install
        run: |
          sudo apt-get install -y bubblewrap || true
          python -m pip install "{torch}" --index-url https://download.pytorch.org/whl/cpu
          python -m pip install dl-grader
      - name: Self-check
        run: grader check
{public_tests}"""

_PUBLIC_TESTS_STEP = """\
      - name: Public tests
        run: python -m pytest -q {tests}
"""

_README = """\
# {title}

{kind} for `{assignment}` ({total:g} points). {todo}

## Files you submit

{files}

## Check your work before you submit

```bash
python -m pip install "{torch}" --index-url https://download.pytorch.org/whl/cpu
python -m pip install dl-grader
grader check            # names, imports, interfaces, rules, public tests: a few seconds
{pytest_line}```

`grader check` never runs the hidden tests: passing it means your submission is
well-formed, not that it earns every point. Pushing to GitHub runs the same check
(`{workflow}`).

## Submit

```bash
grader pack             # writes submission.zip with exactly the files above
```

## Points

| item | what | points |
| --- | --- | --- |
{items}
"""


_TODO_CODE = ("Fill in every place that raises\n`NotImplementedError`; keep the file, class and function "
              "names as they are, since the\ngrader calls them by name.")
_TODO_ANSWERS = "Fill in every entry of `{answers}`, in the form its comments ask for."


def student_repo_files(spec: PublicSpec) -> dict[str, str]:
    tests = " ".join(spec.self_check.public_tests)
    has_code = any(name.endswith((".py", ".ipynb")) for name in spec.required_files)
    todo = []
    if has_code:
        todo.append(_TODO_CODE)
    if spec.answers_file:
        todo.append(_TODO_ANSWERS.format(answers=spec.answers_file))
    files = "\n".join([f"- `{name}`" for name in spec.required_files]
                      + [f"- `{name}` (optional: packed when present)" for name in spec.self_check.pack_extra])
    items = "\n".join(
        f"| {i.id} | {i.title} | {i.points:g}{' (extra credit)' if i.extra_credit else ''} |" for i in spec.items
    )
    return {
        SPEC_FILE: spec_json(spec),
        "README.md": _README.format(title=spec.title, assignment=spec.assignment, total=spec.total, files=files,
                                    torch=TORCH_PIN, workflow=WORKFLOW_FILE, items=items,
                                    todo="\n".join(todo) or _TODO_CODE,
                                    kind="Starter code" if has_code else "The answer sheet",
                                    pytest_line="python -m pytest -q     # the public tests alone\n" if tests else ""),
        # a homework without public tests gets no pytest step: pytest would fail collecting nothing
        WORKFLOW_FILE: _WORKFLOW.format(workflow=WORKFLOW_FILE, torch=TORCH_PIN,
                                        public_tests=_PUBLIC_TESTS_STEP.format(tests=tests) if tests else ""),
    }
