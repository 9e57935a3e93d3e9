#!/bin/sh
# Build the grading image (docker/Dockerfile) from this checkout.
#
#   docker/build.sh [TAG]                 # default dl-grader:latest
#
# Environment:
#   BASE=dl-grader-base:bookworm   the base image (docker/make-base.sh makes it from Debian's archive)
#   DATASETS=mount|bake            mount: datasets mounted at /data at run time (default); bake: copy
#                                  $GRADER_DATA (default .grader-data) into the image
#   TORCH_WHEEL=/path/torch-2.13.0+cpu-cp311-....whl
#                                  the CPU torch wheel; default: `pip download torch==2.13.0` from the
#                                  PyTorch CPU index (or the local find-links pip is configured with)
#   PYTHON=.venv/bin/python        a Python 3.11 whose pip downloads the wheels (PyPI or your mirror)
#   BUILD_FLAGS=--no-cache         extra flags for docker build
#
# The wheels are downloaded on the host; `docker build` itself needs no network.
set -eu
cd "$(dirname "$0")/.."
TAG=${1:-dl-grader:latest}
BASE=${BASE:-dl-grader-base:bookworm}
DATASETS=${DATASETS:-mount}
TORCH_VERSION=2.13.0
# a Python 3.11 with pip (the image's Python is Debian bookworm's 3.11): the wheels are chosen for it
PY=${PYTHON:-.venv/bin/python}

docker image inspect "$BASE" >/dev/null 2>&1 || {
  echo "build: base image $BASE is missing; make it with docker/make-base.sh" >&2; exit 1; }

STAGE=$(mktemp -d /tmp/dl-grader-build.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/project" "$STAGE/wheels" "$STAGE/data"
# only what grading needs: the package, rubrics with hidden tests, references, templates
for part in grader rubrics reference student_template pyproject.toml README.md; do
  cp -a "$part" "$STAGE/project/"
done
find "$STAGE/project" -name __pycache__ -prune -exec rm -rf {} +

# Every wheel the image needs is downloaded here, on the host, so the build itself is offline
# (and uses the host's pip configuration: mirrors, proxies, certificates).
if [ -n "${TORCH_WHEEL:-}" ]; then
  cp "$TORCH_WHEEL" "$STAGE/wheels/"
else
  "$PY" -m pip download --quiet --no-deps --only-binary :all: \
    --extra-index-url https://download.pytorch.org/whl/cpu -d "$STAGE/wheels" "torch==$TORCH_VERSION"
fi
"$PY" - > "$STAGE/requirements.txt" <<'PYEOF'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
# the grader's dependencies and the packages the courses' starter code imports
for dep in project["dependencies"] + project["optional-dependencies"]["courses"]:
    print(dep)
PYEOF
# torchvision built for the pinned torch, without its dependencies (they would pull a CUDA torch)
"$PY" -m pip download --quiet --no-deps --only-binary :all: -d "$STAGE/wheels" "torchvision==0.28.0"
"$PY" -m pip download --quiet --only-binary :all: -d "$STAGE/wheels" --find-links "$STAGE/wheels" \
  "torch==$TORCH_VERSION" "setuptools>=68" wheel -r "$STAGE/requirements.txt"

if [ "$DATASETS" = bake ]; then
  cp -a "${GRADER_DATA:-.grader-data}/." "$STAGE/data/"
fi
cp docker/Dockerfile "$STAGE/Dockerfile"

# shellcheck disable=SC2086
docker build ${BUILD_FLAGS:-} --network none --build-arg BASE="$BASE" --build-arg DATASETS="$DATASETS" -t "$TAG" "$STAGE"
echo "build: $TAG ready (datasets: $DATASETS)"
