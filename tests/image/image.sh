#!/usr/bin/env bash
# Builds hort's container image from a hort binary (image/build.sh) and checks it (check.sh): what
# `./run image` does, and the CTest test image.build_and_check (label image). The Debian base is cached in
# var/image/cache (HORT_IMAGE_CACHE), so only the first build on a machine runs debootstrap.
#
#   tests/image/image.sh HORT_BINARY OUT_DIR [--refresh]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
HORT=${1:?usage: image.sh HORT_BINARY OUT_DIR [--refresh]}
OUT=${2:?usage: image.sh HORT_BINARY OUT_DIR [--refresh]}
export HORT_IMAGE_CACHE=${HORT_IMAGE_CACHE:-$ROOT/var/image/cache}
start=$SECONDS
archive=$("$ROOT/image/build.sh" "$HORT" "$OUT" ${3:+"$3"} | tail -1)
echo "==> image: built in $((SECONDS - start)) s"
revision=$(git -C "$ROOT" rev-parse HEAD)
[ -z "$(git -C "$ROOT" status --porcelain)" ] || revision="$revision-dirty"
HORT=$HORT "$HERE/check.sh" "$archive" "$revision"
echo "==> image: built and checked in $((SECONDS - start)) s"
