#!/usr/bin/env bash
# Builds hort's container image from Debian packages only (issue #22) and writes it as an OCI archive.
#
#   image/build.sh HORT_BINARY OUT_DIR [--refresh]
#
# Two layers:
#   1. base: `debootstrap --variant=minbase` of the host's Debian suite with hort's runtime packages (the
#      packages of the libraries the binary links, found with ldd + dpkg -S, plus those it opens at run time
#      and ca-certificates, tzdata, e2fsprogs), upgraded from the suite's -updates and -security, with apt's
#      lists and caches, docs (copyright files stay), man pages and locales removed. Cached under
#      $HORT_IMAGE_CACHE (default OUT_DIR/cache)/base-<key> (key: suite, packages and the recipe in
#      make_base), so the next build takes seconds;
#      --refresh (or HORT_IMAGE_REFRESH=1) builds it anew with the mirror's current updates.
#   2. hort: the stripped binary at /usr/local/bin/hort, the user and group hort (65532:65532), its home and
#      state folder /var/lib/hort, and /etc/hort for the catalog.
# Assembled with umoci (no container is run) and copied with skopeo into OUT_DIR/hort-<version>.oci.tar,
# named localhost/hort:<version>. The last line printed is the archive's path.
#
# Environment: HORT_IMAGE_MIRROR / HORT_IMAGE_SECURITY_MIRROR (default: the host's apt sources for the
# suite, else deb.debian.org), HORT_IMAGE_SOURCE and HORT_IMAGE_LICENSES (the labels; default: the git
# remote's URL and the SPDX id in LICENSE, NOASSERTION where there is none). Needs root, debootstrap, umoci,
# skopeo, binutils.
set -euo pipefail

usage() { echo "usage: $0 HORT_BINARY OUT_DIR [--refresh]" >&2; exit 2; }
[ $# -ge 2 ] || usage
HORT=$(readlink -f "$1")
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
REFRESH=${HORT_IMAGE_REFRESH:-0}
case "${3:-}" in --refresh) REFRESH=1 ;; "") ;; *) usage ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)

UID_GID=65532
PREFIX=/usr/local/bin/hort
STATE_DIR=/var/lib/hort
CONFIG_DIR=/etc/hort

say() { echo "==> image: $*" >&2; }
die() { echo "image: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot and umoci unpack/repack keep file owners)"
[ -x "$HORT" ] || die "$HORT is not an executable"
for t in debootstrap umoci skopeo strip dpkg-query; do
  command -v "$t" >/dev/null || die "$t is missing (./run image installs it)"
done
# shellcheck disable=SC1091
. /etc/os-release
SUITE=${VERSION_CODENAME:?/etc/os-release names no VERSION_CODENAME}
[ "$ID" = debian ] || die "the image is built from the host's Debian suite; this host is $ID"
ARCH=$(dpkg --print-architecture)

# --- hort's runtime packages --------------------------------------------------------------------------------
# The package owning each library the binary links (dpkg knows a file under /lib or /usr/lib, so ask for
# both; one dpkg -S for all, which answers for the names it knows).
if ldd "$HORT" | grep 'not found' >&2; then die "$HORT misses libraries on this host (above)"; fi
mapfile -t libs < <(ldd "$HORT" | awk '$2 == "=>" && $3 ~ /^\// {print $3}')
candidates=()
for f in "${libs[@]}"; do
  real=$(readlink -f "$f")
  candidates+=("$f" "$real" "${real#/usr}" "/usr${f#/usr}")
done
owners=$(dpkg -S "${candidates[@]}" 2>/dev/null || true)
linked=()
for f in "${libs[@]}"; do
  real=$(readlink -f "$f")
  pkg=$(awk -v a="$f" -v b="$real" -v c="${real#/usr}" -v d="/usr${f#/usr}" \
    '$NF == a || $NF == b || $NF == c || $NF == d {sub(/:.*/, "", $1); print $1; exit}' <<<"$owners")
  [ -n "$pkg" ] || die "no Debian package owns $f (the image holds Debian packages only)"
  linked+=("$pkg")
done
# Opened with dlopen on first use (src/net/http_client.cc, src/archive/libarchive_api.cc), so ldd does not
# show them; TLS roots; IANA zones for `timezone:`; e2fsck for the volumes layer's checks.
extra=(libcurl4 libarchive13 ca-certificates tzdata e2fsprogs)
mapfile -t PACKAGES < <(printf '%s\n' "${linked[@]}" "${extra[@]}" | sort -u)

# --- mirrors ------------------------------------------------------------------------------------------------
site_of() {  # the host's apt source for a release, if it has one
  apt-get indextargets --format '$(SITE) $(RELEASE)' 2>/dev/null | awk -v r="$1" '$2 == r {print $1; exit}'
}
MIRROR=${HORT_IMAGE_MIRROR:-$(site_of "$SUITE")}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY=${HORT_IMAGE_SECURITY_MIRROR:-$(site_of "$SUITE-security")}
SECURITY=${SECURITY:-http://deb.debian.org/debian-security}

# --- layer 1: the base, cached ------------------------------------------------------------------------------
CACHE=${HORT_IMAGE_CACHE:-$OUT/cache}
mkdir -p "$CACHE/debs"
WORK=$(mktemp -d "$OUT/.work.XXXXXX")
cleanup() {
  # debootstrap mounts /proc (in a container it binds /dev's nodes) in the rootfs while it runs: a build
  # stopped then leaves them; never delete through a mount.
  { findmnt -rn -o TARGET | grep -F "$WORK/" | sort -r | while read -r m; do umount -l "$m"; done; } || true
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# Everything that decides the base's content is in this function (its text is part of the cache key).
make_base() {  # $1: the OCI layout to create, tag "base"
  local layout=$1 rootfs=$WORK/rootfs
  say "debootstrap --variant=minbase $SUITE from $MIRROR with: ${PACKAGES[*]}"
  debootstrap --variant=minbase --arch="$ARCH" --include="$(IFS=,; echo "${PACKAGES[*]}")" \
    --cache-dir="$CACHE/debs" "$SUITE" "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
EOF
  say "apt-get upgrade from $SUITE-updates and $SUITE-security"
  { chroot "$rootfs" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get -y -qq -o Dpkg::Options::=--force-confold upgrade &&
    chroot "$rootfs" apt-get clean; } >"$WORK/upgrade.log" 2>&1 ||
    { tail -20 "$WORK/upgrade.log" >&2; die "apt-get upgrade in the base failed (log above)"; }
  # The image's own sources name Debian's public mirrors, whatever the build used.
  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb http://deb.debian.org/debian $SUITE main
deb http://deb.debian.org/debian $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
  # Keep it small, and keep later installs small too.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/01-hort-image-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  find "$rootfs/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  rm -rf "$rootfs"/usr/share/{man,info,lintian,linda}/* "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old \
    "$rootfs"/var/cache/ldconfig/aux-cache "$rootfs"/tmp/* "$rootfs"/var/tmp/*
  find "$rootfs/var/log" -type f -delete
  # The container runtime provides these; debootstrap copied the host's resolv.conf and hostname.
  rm -rf "$rootfs"/dev/* "$rootfs"/etc/resolv.conf "$rootfs"/etc/hostname "$rootfs"/etc/machine-id
  say "packing the base layer"
  umoci init --layout "$layout"
  umoci new --image "$layout:base"
  umoci unpack --image "$layout:base" "$WORK/base-bundle" >/dev/null
  rmdir "$WORK/base-bundle/rootfs"
  mv "$rootfs" "$WORK/base-bundle/rootfs"
  umoci repack --image "$layout:base" \
    --history.created_by "debootstrap --variant=minbase $SUITE + ${PACKAGES[*]}; apt-get upgrade; docs, man pages, locales and apt lists removed" \
    "$WORK/base-bundle"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$layout/hort-base-built"
  rm -rf "$WORK/base-bundle"
}

KEY=$( { echo "$SUITE $ARCH ${PACKAGES[*]}"; declare -f make_base; } | sha256sum | cut -c1-16)
BASE=$CACHE/base-$KEY
if [ "$REFRESH" = 1 ] || [ ! -f "$BASE/hort-base-built" ]; then
  make_base "$WORK/base-layout"
  rm -rf "$BASE"
  mv "$WORK/base-layout" "$BASE"
  # Older bases (other package lists or recipes) are of no further use.
  find "$CACHE" -mindepth 1 -maxdepth 1 -name 'base-*' ! -name "base-$KEY" -exec rm -rf {} +
else
  say "base $KEY from the cache (built $(cat "$BASE/hort-base-built"); --refresh rebuilds it with current updates)"
fi

# --- layer 2: hort ------------------------------------------------------------------------------------------
VERSION=$("$HORT" version | awk '{print $2}')
[ -n "$VERSION" ] || die "hort version printed no version"
REVISION=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ] && REVISION="$REVISION-dirty"
CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
SOURCE=${HORT_IMAGE_SOURCE:-$(git -C "$ROOT" remote get-url origin 2>/dev/null || true)}
# A remote like https://user:token@host/repo carries its credentials: the label and the manifest's
# annotation keep only scheme://host/path.
SOURCE=$(printf '%s' "$SOURCE" | sed -E 's#^([a-z][a-z0-9+.-]*://)[^/]*@#\1#')
SOURCE=${SOURCE:-NOASSERTION}
LICENSES=${HORT_IMAGE_LICENSES:-$(sed -n 's/^SPDX-License-Identifier: *//p' "$ROOT"/LICENSE* 2>/dev/null | head -1 || true)}
LICENSES=${LICENSES:-NOASSERTION}

say "adding hort $VERSION ($REVISION)"
cp -a "$BASE" "$WORK/layout"
umoci unpack --image "$WORK/layout:base" "$WORK/bundle" >/dev/null
R=$WORK/bundle/rootfs
strip --strip-unneeded -o "$WORK/hort" "$HORT"
install -D -m 0755 -o 0 -g 0 "$WORK/hort" "$R$PREFIX"
grep -q "^hort:" "$R/etc/passwd" && die "the base already has a user hort"
echo "hort:x:$UID_GID:$UID_GID:hort:$STATE_DIR:/usr/sbin/nologin" >>"$R/etc/passwd"
echo "hort:x:$UID_GID:" >>"$R/etc/group"
echo "hort:*:::::::" >>"$R/etc/shadow"
echo "hort:*::" >>"$R/etc/gshadow"
install -d -m 0750 -o "$UID_GID" -g "$UID_GID" "$R$STATE_DIR"
install -d -m 0755 -o 0 -g 0 "$R$CONFIG_DIR"
umoci repack --image "$WORK/layout:$VERSION" \
  --history.created_by "hort $VERSION ($REVISION) at $PREFIX; user hort $UID_GID:$UID_GID; $STATE_DIR; $CONFIG_DIR" \
  "$WORK/bundle" >/dev/null

label() { printf -- '--config.label\norg.opencontainers.image.%s=%s\n--manifest.annotation\norg.opencontainers.image.%s=%s\n' "$1" "$2" "$1" "$2"; }
mapfile -t meta < <(
  label title hort
  label description "Backup and restore for Kubernetes homelabs: restic repositories, Velero's and Longhorn's formats"
  label source "$SOURCE"
  label version "$VERSION"
  label revision "$REVISION"
  label created "$CREATED"
  label licenses "$LICENSES"
)
umoci config --image "$WORK/layout:$VERSION" --no-history \
  --clear=config.env --clear=config.cmd --clear=config.entrypoint \
  --config.user "$UID_GID:$UID_GID" --config.entrypoint "$PREFIX" --config.cmd serve \
  --config.workingdir "$STATE_DIR" --config.volume "$STATE_DIR" --config.exposedports 9464/tcp \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.env HOME="$STATE_DIR" --config.env HORT_CONFIG="$CONFIG_DIR/hort.yaml" \
  --config.env XDG_CACHE_HOME="$STATE_DIR/cache" \
  --config.stopsignal SIGTERM --created "$CREATED" --author hort --os linux --architecture "$ARCH" \
  "${meta[@]}"

ARCHIVE=$OUT/hort-$VERSION.oci.tar
rm -f "$ARCHIVE.tmp"
# The name podman and containerd (ctr import) both give it: localhost/hort:<version>.
skopeo copy --quiet "oci:$WORK/layout:$VERSION" "oci-archive:$ARCHIVE.tmp:localhost/hort:$VERSION"
mv "$ARCHIVE.tmp" "$ARCHIVE"

skopeo inspect --raw "oci-archive:$ARCHIVE" | python3 -c '
import json, os, sys
layers = [l["size"] for l in json.load(sys.stdin)["layers"]]
mb = lambda b: "%.1f MB" % (b / 1e6)
print("==> image: %s: %s (gzip layers: %s)" % (sys.argv[1], mb(os.path.getsize(sys.argv[1])),
      " + ".join(mb(b) for b in layers)), file=sys.stderr)' "$ARCHIVE"
say "unpacked: $(du -s --apparent-size -B 1000000 "$R" | cut -f1) MB"
echo "$ARCHIVE"
