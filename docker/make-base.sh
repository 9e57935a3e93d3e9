#!/bin/sh
# Build the grading image's base from Debian's archive (no container registry needed):
# debootstrap a minimal bookworm with Python 3.11 and bubblewrap, then `docker import` it.
#
#   sudo docker/make-base.sh [TAG] [MIRROR]      # default TAG dl-grader-base:bookworm
#
# Needs root, debootstrap and a running Docker engine. Takes ~1-3 min (network bound).
set -eu
TAG=${1:-dl-grader-base:bookworm}
MIRROR=${2:-http://deb.debian.org/debian}
PACKAGES=python3,python3-venv,bubblewrap,ca-certificates,tini
ROOT=$(mktemp -d /tmp/dl-grader-rootfs.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
debootstrap --variant=minbase --include="$PACKAGES" bookworm "$ROOT" "$MIRROR"
# what an image does not need: package caches, docs, man pages
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* \
       "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/locale/*
tar -C "$ROOT" --numeric-owner -c . | docker import \
    --change 'ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' - "$TAG"
echo "built $TAG from Debian bookworm ($MIRROR)"
