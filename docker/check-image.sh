#!/bin/sh
# Grade the nyu-dl-hw1 reference inside the grading image and print its score (full marks expected).
#
#   docker/check-image.sh [TAG] [DATA]     # default dl-grader:latest, ./.grader-data
#   docker/check-image.sh dl-grader:baked none   # an image with the datasets baked in: mount nothing
#
# Inside the container the grader uses bubblewrap, which needs to make namespaces: the
# container gets Docker's seccomp and AppArmor profiles and /proc masking lifted
# (bubblewrap then confines each worker, as on a host). SANDBOX=rlimit runs without them.
set -eu
TAG=${1:-dl-grader:latest}
DATA=${2:-$(pwd)/.grader-data}
SANDBOX=${SANDBOX:-bwrap}
OUT=$(mktemp -d /tmp/dl-grader-check.XXXXXX)
chmod 0777 "$OUT"
if [ "$SANDBOX" = bwrap ]; then
  set -- --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined
else
  set --
fi
[ "$DATA" = none ] || set -- "$@" -v "$DATA:/data:ro"
start=$(date +%s)
docker run --rm "$@" -v "$OUT:/out" "$TAG" \
  grade /opt/grader/project/reference/nyu-dl-hw1 -a nyu-dl-hw1 -o /out/ref --sandbox "$SANDBOX"
echo "check: graded in $(( $(date +%s) - start )) s inside $TAG (sandbox $SANDBOX); report in $OUT/ref"
python3 - "$OUT/ref/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
auto = sum(i["max_points"] for i in r["items"] if i["status"] != "manual")
print(f"check: {r['total_points']:g} / {auto:g} automatic points, sandbox {r['sandbox']}")
sys.exit(0 if r["total_points"] == auto else 1)
PY
