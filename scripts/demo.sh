#!/usr/bin/env bash
# Quick start, command 1: grade a sample submission end to end and print where the report is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/grader grade rubrics/nyu-dl-hw1/samples/student-with-bugs.zip -a nyu-dl-hw1 -o grading-out/sample
echo
echo "Open the report: file://$(pwd)/grading-out/sample/report.html"
