#!/usr/bin/env bash
# Quick start, command 2: run the whole test suite (installs what it needs first).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --for-tests
export GRADER_DATA="${GRADER_DATA:-$(pwd)/.grader-data}"
set +e
.venv/bin/python -m pytest "$@"
code=$?
set -e
if [ "$code" = 5 ]; then
  echo "test.sh: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit "$code"
