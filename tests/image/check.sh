#!/usr/bin/env bash
# Checks hort's OCI archive (image/build.sh) without a container runtime, which cannot start containers on
# these machines: the config's user, entrypoint, working dir and labels (skopeo inspect --config and umoci's
# runtime bundle); the compressed size; the archive unpacked with umoci and its entrypoint run in a chroot as
# the image's user: `hort version`, no missing library (ldd inside the image, also for the libraries hort
# opens at run time), a repository written and checked (restic, outside, checks it too), a catalog job run,
# and `hort serve` answering /healthz and /metrics to curl from outside, then stopping on SIGTERM; finally
# `podman load` into a scratch store and `ctr images import` into a scratch containerd.
#
#   tests/image/check.sh ARCHIVE [EXPECTED_REVISION]
#
# Needs root (chroot, umoci unpack keeps the files' owners), skopeo, umoci, podman, containerd, curl, restic.
set -euo pipefail
ARCHIVE=$(readlink -f "${1:?usage: check.sh ARCHIVE [EXPECTED_REVISION]}")
WANT_REVISION=${2:-}
export HORT=${HORT:-/nonexistent}  # the binary the image holds (image.sh), for asan_built; every check runs the image's own copy
# shellcheck source=../e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh"
MAX_MB=${HORT_IMAGE_MAX_MB:-60}  # the issue's goal for the compressed image, in MB (10^6 bytes)
if asan_built; then  # an -O1 -g ASan binary and its runtime: the goal is the release image's
  echo "--- not checked: the compressed size (< $MAX_MB MB), hort is ASan-built"
  MAX_MB=0
fi
USERSPEC=65532:65532
[ "$(id -u)" -eq 0 ] || fail "needs root (chroot)"
[ -f "$ARCHIVE" ] || fail "no archive at $ARCHIVE"

note "skopeo inspect: user, entrypoint, working dir, environment, labels"
skopeo inspect --config "oci-archive:$ARCHIVE" >"$WORK/config.json"
skopeo inspect --raw "oci-archive:$ARCHIVE" >"$WORK/manifest.json"
python3 - "$WORK/config.json" "$WORK/manifest.json" "$MAX_MB" "$WANT_REVISION" >"$WORK/facts" <<'EOF'
import json, re, sys
config, manifest = (json.load(open(p)) for p in sys.argv[1:3])
max_mb, want_revision = float(sys.argv[3]), sys.argv[4]
c = config["config"]
def expect(what, got, want):
    if got != want:
        sys.exit(f"FAIL: {what} is {got!r}, expected {want!r}")
expect("User", c.get("User"), "65532:65532")
expect("Entrypoint", c.get("Entrypoint"), ["/usr/local/bin/hort"])
expect("Cmd", c.get("Cmd"), ["serve"])
expect("WorkingDir", c.get("WorkingDir"), "/var/lib/hort")
expect("Volumes", sorted(c.get("Volumes", {})), ["/var/lib/hort"])
expect("os/architecture", (config["os"], config["architecture"]), ("linux", "amd64"))
env = dict(e.split("=", 1) for e in c.get("Env", []))
expect("HORT_CONFIG", env.get("HORT_CONFIG"), "/etc/hort/hort.yaml")
expect("HOME", env.get("HOME"), "/var/lib/hort")
labels = c.get("Labels", {})
p = "org.opencontainers.image."
for k in ("title", "description", "source", "version", "revision", "created", "licenses"):
    if not labels.get(p + k):
        sys.exit(f"FAIL: label {p + k} is missing")
expect("title", labels[p + "title"], "hort")
if re.match(r"[a-z][a-z0-9+.-]*://[^/]*@", labels[p + "source"]):
    sys.exit(f"FAIL: the source label carries the remote's credentials")
if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", labels[p + "created"]):
    sys.exit(f"FAIL: created {labels[p + 'created']!r} is not RFC 3339 UTC")
expect("config.created", config["created"], labels[p + "created"])
if want_revision:
    expect("revision", labels[p + "revision"], want_revision)
if not re.fullmatch(r"[0-9a-f]{40}(-dirty)?", labels[p + "revision"]):
    sys.exit(f"FAIL: revision {labels[p + 'revision']!r} is not a commit")
annotations = manifest.get("annotations", {})
for k, v in labels.items():
    expect(f"manifest annotation {k}", annotations.get(k), v)
layers = manifest["layers"]
for l in layers:
    expect("layer media type", l["mediaType"], "application/vnd.oci.image.layer.v1.tar+gzip")
size = sum(l["size"] for l in layers) + manifest["config"]["size"]
print("version", labels[p + "version"])
print("layers", " ".join(str(l["size"]) for l in layers))
print("compressed", size)
if max_mb > 0 and size >= max_mb * 1e6:
    sys.exit(f"FAIL: the image is {size / 1e6:.1f} MB compressed, the goal is < {max_mb:g} MB")
EOF
VERSION=$(awk '$1 == "version" {print $2}' "$WORK/facts")
COMPRESSED=$(awk '$1 == "compressed" {print $2}' "$WORK/facts")
echo "compressed: $COMPRESSED bytes ($(awk -v b="$COMPRESSED" 'BEGIN {printf "%.1f MB, %.1f MiB", b / 1e6, b / 1048576}')); layers: $(awk '$1 == "layers" {$1 = ""; print}' "$WORK/facts")"

note "skopeo copy to an OCI layout, umoci unpack as root (files keep their owners)"
skopeo copy --quiet "oci-archive:$ARCHIVE" "oci:$WORK/layout:hort"
umoci unpack --image "$WORK/layout:hort" "$WORK/bundle" >/dev/null
R=$WORK/bundle/rootfs
# umoci's runtime configuration of the image: the process the runtime would start.
python3 - "$WORK/bundle/config.json" <<'EOF'
import json, sys
proc = json.load(open(sys.argv[1]))["process"]
want = {"uid": 65532, "gid": 65532}
got = {k: proc["user"].get(k) for k in want}
if got != want or proc["args"] != ["/usr/local/bin/hort", "serve"] or proc["cwd"] != "/var/lib/hort":
    sys.exit(f"FAIL: umoci's runtime config: user {got}, args {proc['args']}, cwd {proc['cwd']}")
EOF
[ "$(stat -c %u:%g "$R/var/lib/hort")" = "$USERSPEC" ] || fail "/var/lib/hort is not owned by $USERSPEC"
grep -qx "hort:x:65532:65532:hort:/var/lib/hort:/usr/sbin/nologin" "$R/etc/passwd" || fail "no user hort in /etc/passwd"
[ ! -e "$R/etc/resolv.conf" ] && [ ! -e "$R/etc/hostname" ] || fail "the image carries the build host's resolv.conf or hostname"
[ -z "$(ls -A "$R/dev")" ] || fail "the image has device nodes: $(ls "$R/dev")"
[ -z "$(find "$R/var/lib/apt/lists" "$R/var/cache/apt" -mindepth 1 -print -quit)" ] || fail "apt lists or caches left in the image"
[ ! -d "$R/usr/share/man/man1" ] || [ -z "$(ls -A "$R/usr/share/man/man1")" ] || fail "man pages left in the image"
# What a container runtime provides and a chroot does not: the basic device nodes.
for d in null:1:3 zero:1:5 random:1:8 urandom:1:9; do
  IFS=: read -r name major minor <<<"$d"
  mknod -m 0666 "$R/dev/$name" c "$major" "$minor"
done
# Run as the image's process would be: its user, environment and working dir.
mapfile -t IMAGE_ENV < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["config"]["Env"]))' "$WORK/config.json")
# ASan reads its options from /proc/self/environ and LeakSanitizer /proc/PID/task: an ASan-built hort
# gets a /proc in the chroot (a container runtime mounts one too).
if asan_built; then mount -t proc proc "$R/proc" && UNMOUNT+=("$R/proc"); fi
in_image() { chroot --userspec="$USERSPEC" "$R" /usr/bin/env -i "${IMAGE_ENV[@]}" --chdir=/var/lib/hort "$@"; }

note "no missing library: ldd in the image for hort and the libraries it opens at run time"
for f in /usr/local/bin/hort /usr/lib/x86_64-linux-gnu/libcurl.so.4 /usr/lib/x86_64-linux-gnu/libarchive.so.13; do
  [ -e "$R$f" ] || fail "$f is not in the image"
  chroot "$R" ldd "$f" >"$WORK/ldd.out" 2>&1 || { cat "$WORK/ldd.out" >&2; fail "ldd $f failed in the image"; }
  ! grep -q 'not found' "$WORK/ldd.out" || { grep 'not found' "$WORK/ldd.out" >&2; fail "$f misses libraries in the image"; }
done
in_image e2fsck -V >/dev/null 2>&1 || fail "e2fsck does not run in the image"
[ -s "$R/usr/share/zoneinfo/Europe/Berlin" ] && [ -s "$R/etc/ssl/certs/ca-certificates.crt" ] || fail "tzdata or CA certificates are missing"

note "hort version as $USERSPEC"
got=$(in_image /usr/local/bin/hort version)
[ "$(in_image id -u):$(in_image id -g)" = "$USERSPEC" ] || fail "the chroot does not run as $USERSPEC"
echo "$got"
[[ "$got" == "hort $VERSION "* ]] || fail "hort version printed '$got', the label says $VERSION"

note "a repository in the state folder, written as $USERSPEC (restic checks it from outside)"
install -d -m 0755 "$R/etc/hort"
printf '%s' "$HORT_PASSWORD" >"$R/etc/hort/password"
chown 65532:65532 "$R/etc/hort/password"
chmod 0400 "$R/etc/hort/password"
in_image /usr/local/bin/hort init -r /var/lib/hort/repo --password-file /etc/hort/password -q
in_image /usr/local/bin/hort backup -r /var/lib/hort/repo --password-file /etc/hort/password -q /usr/share/zoneinfo/Europe
[ "$(stat -c %u "$R/var/lib/hort/repo/config")" = 65532 ] || fail "the repository is not owned by the image's user"
restic -r "$R/var/lib/hort/repo" --no-cache check --read-data -q || fail "restic check of the repository written in the image failed"
restic -r "$R/var/lib/hort/repo" --no-cache ls latest >"$WORK/ls.out"
grep -qx /usr/share/zoneinfo/Europe/Berlin "$WORK/ls.out" ||
  fail "restic does not list the file backed up in the image"
if in_image touch /usr/local/bin/x 2>/dev/null; then fail "the image's user can write /usr/local/bin"; fi

note "hort serve with a catalog at /etc/hort/hort.yaml: a job run and a restore test, then /healthz and /metrics from outside"
PORT=$(free_port)
cat >"$R/etc/hort/hort.yaml" <<YAML
state: /var/lib/hort/hort-state.sqlite
work_dir: /var/lib/hort/work
serve: {listen: "127.0.0.1:$PORT"}
repositories:
  main: {url: /var/lib/hort/repo, password_file: /etc/hort/password}
services:
  zones:
    classification: best-effort
    rpo: 1d
    files:
      - {name: europe, path: /usr/share/zoneinfo/Europe, schedule: "@daily", repository: main}
tests:
  BT-K8-01: {type: files, scope: zones, every: 3mo}
YAML
in_image /usr/local/bin/hort config check >"$WORK/check.out" 2>&1 || { cat "$WORK/check.out" >&2; fail "hort config check failed in the image"; }
in_image /usr/local/bin/hort run zones >"$WORK/run.out" 2>&1 || { cat "$WORK/run.out" >&2; fail "hort run failed in the image"; }
# A restore test as the image's user: restored into work_dir, every file re-hashed, the scratch target removed.
in_image /usr/local/bin/hort test run BT-K8-01 >"$WORK/test.out" 2>&1 || { cat "$WORK/test.out" >&2; fail "the restore test failed in the image"; }
grep -q "PASS" "$WORK/test.out" || { cat "$WORK/test.out" >&2; fail "the restore test printed no PASS"; }
[ ! -e "$R/var/lib/hort/work/BT-K8-01-restore-test" ] || fail "the restore test left its scratch target"
# The image's entrypoint and command, exactly: /usr/local/bin/hort serve.
chroot --userspec="$USERSPEC" "$R" /usr/bin/env -i "${IMAGE_ENV[@]}" --chdir=/var/lib/hort \
  /usr/local/bin/hort serve >"$WORK/serve.out" 2>&1 &
SERVE=$!
BG_PIDS+=("$SERVE")
for _ in $(seq 150); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVE" 2>/dev/null || break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >"$WORK/healthz" 2>&1 || { cat "$WORK/serve.out" >&2; fail "/healthz did not answer"; }
[ "$(cat "$WORK/healthz")" = ok ] || fail "/healthz did not say ok"
curl -fsS "http://127.0.0.1:$PORT/metrics" >"$WORK/metrics"
awk '/^hort_job_runs_total\{/ && /hort_job="zones\/files\/europe"/ && /result="success"\} 1$/ {ok = 1} END {exit !ok}' "$WORK/metrics" ||
  { grep '^hort_job_runs_total' "$WORK/metrics" >&2; fail "/metrics does not count the job's successful run"; }
[ "$(stat -c %u "$R/var/lib/hort/hort-state.sqlite")" = 65532 ] || fail "the state is not the image user's"
kill -TERM "$SERVE"
rc=0
wait "$SERVE" || rc=$?
[ "$rc" = 0 ] || { cat "$WORK/serve.out" >&2; fail "hort serve exited $rc on SIGTERM"; }

note "podman load into a scratch store"
P=(podman --root "$WORK/podman/root" --runroot "$WORK/podman/run" --storage-driver vfs)
"${P[@]}" load -q -i "$ARCHIVE" >"$WORK/load.out" 2>&1 || { cat "$WORK/load.out" >&2; fail "podman load refused the archive"; }
grep -q "localhost/hort:$VERSION" "$WORK/load.out" || { cat "$WORK/load.out" >&2; fail "podman did not load hort:$VERSION"; }
[ "$("${P[@]}" image inspect "localhost/hort:$VERSION" --format '{{.Config.User}} {{json .Config.Entrypoint}}')" = \
  '65532:65532 ["/usr/local/bin/hort"]' ] || fail "podman sees another user or entrypoint"
"${P[@]}" rmi -a -f >/dev/null 2>&1 || true

note "ctr import into a scratch containerd (what k3s and kubeadm nodes run)"
mkdir -p "$WORK/containerd"
echo 'version = 2
disabled_plugins = ["io.containerd.grpc.v1.cri"]' >"$WORK/containerd/config.toml"
containerd --config "$WORK/containerd/config.toml" --root "$WORK/containerd/root" --state "$WORK/containerd/state" \
  --address "$WORK/containerd/sock" >"$WORK/containerd/log" 2>&1 &
CONTAINERD=$!
BG_PIDS+=("$CONTAINERD")
CTR=(ctr --address "$WORK/containerd/sock" --namespace k8s.io)
wait_for 30 "${CTR[@]}" version
"${CTR[@]}" images import "$ARCHIVE" >"$WORK/ctr.out" 2>&1 || { cat "$WORK/ctr.out" >&2; fail "ctr import refused the archive"; }
"${CTR[@]}" images ls -q >"$WORK/ctr.ls"
grep -qx "localhost/hort:$VERSION" "$WORK/ctr.ls" || { cat "$WORK/ctr.out" "$WORK/ctr.ls" >&2; fail "containerd has no localhost/hort:$VERSION"; }
"${CTR[@]}" images check >"$WORK/ctr.check"
awk -v ref="localhost/hort:$VERSION" '$1 == ref && / complete / {ok = 1} END {exit !ok}' "$WORK/ctr.check" ||
  { cat "$WORK/ctr.check" >&2; fail "containerd's copy of the image is incomplete"; }
kill -TERM "$CONTAINERD"
wait "$CONTAINERD" || true
echo "image check passed: $ARCHIVE"
