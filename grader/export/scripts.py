"""The two shell scripts Gradescope runs, as text (kept in code, not package data, so a wheel has them).

``{assignment}``, ``{torch}``, ``{torchvision}``, ``{data_dir}``, ``{dataset_steps}``, ``{datasets}`` are filled with
``str.format``; every other brace is doubled.
"""

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
# It installs the grader into /opt/dl-grader (readable by every user: the student's code runs
# under another uid and needs the Python installation), the datasets into {data_dir} (checksums
# verified; held-out labels root-only) and makes the hidden tests root-only. It ends by grading
# the reference solution (check/reference) here and fails unless it earns full automatic
# marks; then the reference is deleted.
#   bash setup.sh           install, then check
#   bash setup.sh --check   only the datasets and the check (the grader already installed)
set -euo pipefail
cd "$(dirname "$0")"
HERE="$(pwd)"
PY="${{GRADER_PYTHON:-/opt/dl-grader/bin/python}}"
export GRADER_DATA="${{GRADER_DATA:-{data_dir}}}"
MODE="${{1:-}}"

if [ "$MODE" != "--check" ]; then
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip util-linux ca-certificates >/dev/null

version_ok() {{ "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }}
BASE=""
for candidate in python3 python3.13 python3.12 python3.11; do
  if command -v "$candidate" >/dev/null && version_ok "$(command -v "$candidate")"; then
    BASE="$(command -v "$candidate")"; break
  fi
done
if [ -z "$BASE" ]; then
  echo "setup.sh: python3 is older than 3.11; installing python3.11 (or pick Gradescope's Ubuntu 24.04 image)"
  apt-get install -y -qq python3.11 python3.11-venv >/dev/null
  BASE="$(command -v python3.11)"
fi

"$BASE" -m venv /opt/dl-grader
/opt/dl-grader/bin/pip install -q --upgrade pip
# CPU-only torch: a plain `pip install torch` pulls gigabytes of CUDA wheels
/opt/dl-grader/bin/pip install -q "torch=={torch}" --index-url https://download.pytorch.org/whl/cpu
# the courses' starter code imports torchvision (its CPU build for this torch) and [courses]
/opt/dl-grader/bin/pip install -q --no-deps "torchvision=={torchvision}" --index-url https://download.pytorch.org/whl/cpu
/opt/dl-grader/bin/pip install -q "./grader_src[courses]"
chmod -R a+rX /opt/dl-grader
fi

# Datasets: imported from data/ (bundled) or downloaded, each file checked against its sha256.
mkdir -p "$GRADER_DATA"
{dataset_steps}
chmod a+rx "$GRADER_DATA"

# The rlimit sandbox does not hide files: the rubric, hidden tests, reference and bundled data are root-only.
chmod -R go-rwx "$HERE/assignment"
for private in check data; do
  if [ -d "$HERE/$private" ]; then chmod -R go-rwx "$HERE/$private"; fi
done

"$PY" -m grader.export.autograder --check --assignment {assignment} --source "$HERE"

if [ "$MODE" != "--check" ]; then
  rm -rf "$HERE/check" "$HERE/data"  # proven; the students' runs never see the reference
fi
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission, as root. It always leaves results/results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PY="${{GRADER_PYTHON:-/opt/dl-grader/bin/python}}"
export GRADER_DATA="${{GRADER_DATA:-{data_dir}}}"
mkdir -p "$ROOT/results"
cd "$ROOT"  # python -m puts the working folder first on the import path: keep it a known one
exec "$PY" -m grader.export.autograder --assignment {assignment} --source "$ROOT/source" \\
  --submission "$ROOT/submission" --results "$ROOT/results"
"""

README = """Gradescope autograder for {assignment}, made by `grader export gradescope {assignment}`.

Upload this zip as the autograder of a Gradescope programming assignment (base image:
Ubuntu 24.04 is simplest; on 22.04 setup.sh installs Python 3.11).

- setup.sh        installs CPU torch {torch} and the grader (grader_src/) into /opt/dl-grader
- run_autograder  grades /autograder/submission and writes /autograder/results/results.json
- assignment/     the rubric and the hidden tests (made root-only by setup.sh)
- check/          the reference solution: setup.sh grades it in the built image, fails the
                  build unless it earns full automatic marks, then deletes it
{datasets}
  (bundled ones are in data/, imported into {data_dir} and deleted from here)

TA-graded (manual) items show in Gradescope as "awaiting TA grading" with 0 points. To post
the TA's points: grade the class with `grader batch`, score the manual items with
`grader manual export` / `grader manual import`, then either add the manual items as
manually graded questions of this Gradescope assignment and enter the points there, or post
the totals through Canvas (`canvas.csv`). Gradescope's autograder cannot take them back.

SANDBOX: Gradescope's container does not allow Linux namespaces, so the student's code runs
with the `rlimit` backend: a separate unprivileged uid, resource limits, a scrubbed
environment, a seccomp filter where the kernel allows one, its own process group. There is NO
file-system or network isolation beyond that; the hidden tests are protected by file
permissions only. Every results.json says `"sandbox": "rlimit"` in its extra_data, and the
autograder's log (visible to instructors only) says so at the top.
"""
