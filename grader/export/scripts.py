"""The two shell scripts Gradescope runs, as text (kept in code, not package data, so a wheel has them).

``{assignment}``, ``{torch}`` are filled with ``str.format``; every other brace is doubled.
"""

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
# It installs the grader into /opt/dl-grader (readable by every user: the student's code runs
# under another uid and needs the Python installation) and makes the hidden tests root-only.
set -euo pipefail
cd "$(dirname "$0")"

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip util-linux ca-certificates >/dev/null

version_ok() {{ "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }}
PY=""
for candidate in python3 python3.13 python3.12 python3.11; do
  if command -v "$candidate" >/dev/null && version_ok "$(command -v "$candidate")"; then
    PY="$(command -v "$candidate")"; break
  fi
done
if [ -z "$PY" ]; then
  echo "setup.sh: python3 is older than 3.11; installing python3.11 (or pick Gradescope's Ubuntu 24.04 image)"
  apt-get install -y -qq python3.11 python3.11-venv >/dev/null
  PY="$(command -v python3.11)"
fi

"$PY" -m venv /opt/dl-grader
/opt/dl-grader/bin/pip install -q --upgrade pip
# CPU-only torch: a plain `pip install torch` pulls gigabytes of CUDA wheels
/opt/dl-grader/bin/pip install -q "torch=={torch}" --index-url https://download.pytorch.org/whl/cpu
/opt/dl-grader/bin/pip install -q ./grader_src
chmod -R a+rX /opt/dl-grader

# The rlimit sandbox does not hide files: keep the rubric and hidden tests readable by root only.
chmod -R go-rwx "$(pwd)/assignment"

/opt/dl-grader/bin/python -m grader.export.autograder --check --assignment {assignment} --source "$(pwd)"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission, as root. It always leaves results/results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PY="${{GRADER_PYTHON:-/opt/dl-grader/bin/python}}"
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

SANDBOX: Gradescope's container does not allow Linux namespaces, so the student's code runs
with the `rlimit` backend: a separate unprivileged uid, resource limits, a scrubbed
environment, a seccomp filter where the kernel allows one, its own process group. There is NO
file-system or network isolation beyond that; the hidden tests are protected by file
permissions only. Every results.json says `"sandbox": "rlimit"` in its extra_data, and the
autograder's log (visible to instructors only) says so at the top.
"""
