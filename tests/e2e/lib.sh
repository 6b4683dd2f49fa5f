# Shared helpers for hort's end-to-end tests. Each test is one behaviour,
# runs against the real restic from Debian, and fails loudly.
set -euo pipefail
: "${HORT:?HORT must point at the hort binary}"
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hort-e2e.XXXXXX")
BG_PIDS=()  # background servers a test started; killed on exit
UNMOUNT=()  # file systems a test mounted below $WORK; unmounted before it is removed
trap 'for p in "${BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; for m in "${UNMOUNT[@]}"; do umount -l "$m" || true; done; chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"' EXIT
export HORT_PASSWORD=e2e-password RESTIC_PASSWORD=e2e-password
unset HORT_REPOSITORY RESTIC_REPOSITORY
export RESTIC_CACHE_DIR="$WORK/restic-cache"
mkdir -p "$RESTIC_CACHE_DIR"
# hort's caches (repositories, volumes' block caches) stay inside the test's folder.
export XDG_CACHE_HOME="$WORK/xdg-cache"

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "--- $*"; }
hort() { "$HORT" "$@"; }

# expect_rc CODE CMD... : runs CMD, fails unless it exits with CODE.
expect_rc() {
  local want=$1; shift
  set +e; "$@" >"$WORK/last.out" 2>"$WORK/last.err"; local rc=$?; set -e
  if [ "$rc" != "$want" ]; then
    cat "$WORK/last.out" "$WORK/last.err" >&2
    fail "expected exit $want, got $rc: $*"
  fi
}

# A repository made by `restic init` (its config, its chunker polynomial), whose
# key is then swapped for one with a cheap KDF and the same password: restic's
# key costs ~0.5 s of scrypt in every later restic and hort command.
restic_init() {
  local repo=$1; shift
  restic -r "$repo" init "$@" >/dev/null 2>&1 || fail "restic init $repo failed"
  "$HORT_FIXTURE" cheap-key "$repo" || fail "hort-fixture cheap-key $repo failed"
}
# hort built with AddressSanitizer (`./run test --sanitize`): ASan keeps
# freed memory in a quarantine beside its shadow, so peak-RSS bounds measure
# ASan, not hort; rss_below reports them as not checked. memory_limited.sh
# bounds memory in a way that works under ASan too.
asan_built() { [[ $(ldd "$HORT" 2>/dev/null) == *libasan* ]]; }  # no pipe: grep -q would SIGPIPE ldd under pipefail
memory_limited() { "$E2E_DIR/memory_limited.sh" "$@"; }
# rss_below KIB FILE WHAT: FILE holds /usr/bin/time's %M (peak RSS in KiB).
rss_below() {
  local rss; rss=$(tail -n1 "$2")
  if asan_built; then echo "--- not checked under ASan: $3 peak RSS < $1 KiB (took $rss KiB)"; return; fi
  [ "$rss" -lt "$1" ] || fail "$3 took $rss KiB (bound $1 KiB)"
}
gen_tree() { python3 "$E2E_DIR/gen_tree.py" "$@"; }
treecmp() { python3 "$E2E_DIR/treecmp.py" "$@"; }
json_field() { python3 -c 'import json,sys; d=[json.loads(l) for l in sys.stdin if l.strip().startswith("{")]; print(d[-1][sys.argv[1]])' "$1"; }

# A TCP port nothing listens on right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_for SECONDS CMD...: retries CMD every 0.2 s until it succeeds.
wait_for() {
  local secs=$1; shift
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || fail "timed out after ${secs}s waiting for: $*"
    sleep 0.2
  done
}

# kubectl >= 1.30 (exec over WebSocket, `auth whoami`, `create token`): the
# machine's kubectl (Google's `kubectl` package on the CI image). Debian 12's
# kubernetes-client is 1.20 (SPDY exec only) and too old: the test fails
# rather than pass without its second client (README, "Kubernetes tests").
need_kubectl() {
  command -v kubectl >/dev/null || fail "kubectl is missing: the Kubernetes tests need kubectl >= 1.30 as a second client"
  local minor
  minor=$(kubectl version --client -o json 2>/dev/null | /usr/bin/python3 -c \
    'import json,sys; print(int(json.load(sys.stdin)["clientVersion"]["minor"].rstrip("+")))' 2>/dev/null || echo 0)
  [ "$minor" -ge 30 ] || fail "kubectl 1.$minor is too old: the Kubernetes tests need kubectl >= 1.30"
}

# The project's test Kubernetes API server (tests/kube) in $WORK/kube, stopped
# on exit; KUBECONFIG points at its admin user (client certificate). Extra
# arguments go to the server (--nodes, --pvc-root: tests/kube/README.md).
start_kube() {
  need_kubectl
  KUBE_DIR="$WORK/kube"
  bash "$E2E_DIR/../kube/kube.sh" start "$KUBE_DIR" "$@" >/dev/null
  BG_PIDS+=("$(cat "$KUBE_DIR/server.pid")")
  export KUBECONFIG="$KUBE_DIR/kubeconfig"
  # kubectl's discovery cache is kept per test: in ~/.kube/cache it is keyed
  # by host and port only, so tests whose servers got the same port would
  # share what kubectl remembers of each (commands other than api-resources
  # read it without asking the server again while it is fresh).
  export KUBECACHEDIR="$KUBE_DIR/kubectl-cache"
  KUBE_URL="https://127.0.0.1:$(cat "$KUBE_DIR/port")"
}
# apply_homelab FILE…: kubectl applies tests/kube/homelab/<FILE>.yaml (the resources layer's sample homelab).
apply_homelab() {
  local f
  for f in "$@"; do kubectl apply -f "$E2E_DIR/../kube/homelab/$f.yaml" >/dev/null; done
}
# snapshot_ns NS OUT: every object of the homelab's kinds in NS as kubectl shows it, without what the server sets.
snapshot_ns() {
  local types="deployments.apps,statefulsets.apps,services,configmaps,secrets,persistentvolumeclaims,ingresses.networking.k8s.io,serviceaccounts,roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io,backupplans.homelab.example.org"
  kubectl get "$types" -n "$1" -o json | python3 "$E2E_DIR/kube_normalize.py" >"$2"
}
# kube_control ACTION: the test server's control API (tests/kube/README.md), as its admin.
kube_control() {
  curl -sf --cacert "$KUBE_DIR/ca.crt" --cert "$KUBE_DIR/admin.crt" --key "$KUBE_DIR/admin.key" -X POST "$KUBE_URL/_test/$1" >/dev/null
}
# sa_kubeconfig TOKENFILE OUT: a kubeconfig for the test server as whoever
# the token file's token names (a ServiceAccount's, from kubectl create token).
sa_kubeconfig() {
  cat >"$2" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "$KUBE_URL", certificate-authority: $KUBE_DIR/ca.crt}}]
users: [{name: hort, user: {tokenFile: $1}}]
contexts: [{name: hort, context: {cluster: test, user: hort, namespace: backup}}]
current-context: hort
YAML
}
# one_line FILE: fails unless FILE holds exactly one line.
one_line() { [ "$(wc -l <"$1")" = 1 ] || { cat "$1" >&2; fail "expected exactly one line in $1"; }; }

# Playing a Kubernetes controller (snapshot-controller, Longhorn) against the
# test API server while hort waits for it.
# unready RESOURCE NS: the objects whose status.readyToUse is not true.
unready() {
  kubectl get "$1" -n "$2" -o json | python3 -c '
import json, sys
for o in json.load(sys.stdin)["items"]:
    if not (o.get("status") or {}).get("readyToUse"): print(o["metadata"]["name"])'
}
# play_ready RESOURCE NS STATUS: the controller's part: wait for hort's new
# object, then write STATUS (JSON) into its status. Prints the object's name.
play_ready() {
  wait_for 20 sh -c "[ -n \"\$(kubectl get $1 -n $2 -o json | python3 -c '
import json, sys
print(*[o[\"metadata\"][\"name\"] for o in json.load(sys.stdin)[\"items\"] if not (o.get(\"status\") or {}).get(\"readyToUse\")])')\" ]"
  local name
  name=$(unready "$1" "$2" | head -1)
  kubectl patch "$1" "$name" -n "$2" --subresource=status --type=merge -p "{\"status\":$3}" >/dev/null
  echo "$name"
}
# bg_hort OUT CMD…: hort in the background, stdout/stderr to OUT.out/.err; sets PID.
bg_hort() { local out=$1; shift; "$HORT" "$@" >"$WORK/$out.out" 2>"$WORK/$out.err" & PID=$!; }
# finish CODE OUT: waits for PID, fails unless it exits CODE.
finish() {
  set +e; wait "$PID"; local rc=$?; set -e
  [ "$rc" = "$1" ] || { cat "$WORK/$2.out" "$WORK/$2.err" >&2; fail "expected exit $1, got $rc"; }
}
# play_backup STATE STATUS: Longhorn's part of a backup: the snapshot becomes
# ready, the Backup goes InProgress, then STATE with STATUS's fields.
play_backup() {
  local snap backup
  snap=$(play_ready snapshots.longhorn.io longhorn-system '{"readyToUse":true,"creationTime":"2026-11-06T03:00:00Z"}')
  wait_for 20 kubectl get lhb "$snap" -n longhorn-system
  kubectl patch lhb "$snap" -n longhorn-system --subresource=status --type=merge -p '{"status":{"state":"InProgress","progress":30}}' >/dev/null
  sleep 0.5
  kubectl patch lhb "$snap" -n longhorn-system --subresource=status --type=merge -p "{\"status\":$2}" >/dev/null
  echo "$snap"
}
