#!/usr/bin/env bash
# The demo behind `./run demo`: hort's main job on the local default storage.
set -euo pipefail
HORT=${1:?path to hort}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR="$ROOT/var/demo"
rm -rf "$VAR" && mkdir -p "$VAR"
export HORT_PASSWORD=demo-password-not-secret
REPO="$VAR/repo"
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "create a sample tree in $VAR/data"
mkdir -p "$VAR/data/docs" "$VAR/data/db"
for i in $(seq 1 20); do echo "document $i $(date)" > "$VAR/data/docs/doc$i.txt"; done
head -c 8000000 /dev/urandom > "$VAR/data/db/blob.bin"
ln -s docs/doc1.txt "$VAR/data/latest-doc"

step "hort init"
"$HORT" -r "$REPO" init
step "hort backup (first)"
"$HORT" -r "$REPO" backup "$VAR/data" --tag demo
step "change the tree: edit one file, add one, delete one"
echo "edited" >> "$VAR/data/docs/doc2.txt"
echo "new file" > "$VAR/data/docs/new.txt"
rm "$VAR/data/docs/doc3.txt"
step "hort backup (incremental: only the changes are read)"
"$HORT" -r "$REPO" backup "$VAR/data" --tag demo
step "hort snapshots"
"$HORT" -r "$REPO" snapshots
step "hort restore latest --verify"
"$HORT" -r "$REPO" restore latest --target "$VAR/restore" --verify
step "compare the restored tree with the source"
diff -r "$VAR/data" "$VAR/restore$VAR/data" && echo "restored tree is identical"
step "hort check --read-data"
"$HORT" -r "$REPO" check --read-data
if command -v restic >/dev/null; then
  step "restic reads hort's repository: restic check --read-data"
  RESTIC_PASSWORD=$HORT_PASSWORD restic -r "$REPO" check --read-data
fi

step "the strategy as a catalog: $VAR/hort.yaml (services, policies, schedules)"
mkdir -p "$VAR/pvc/paperless-data" "$VAR/pvc/wiki-pages"
cp -r "$VAR/data/docs" "$VAR/pvc/paperless-data/"
for i in 1 2 3; do echo "page $i" > "$VAR/pvc/wiki-pages/page$i.md"; done
cat > "$VAR/hort.yaml" <<YAML
timezone: Europe/Berlin
repositories:
  local: {url: ./repo, password_env: HORT_PASSWORD, check: {schedule: "0 4 * * 0", read_data_subset: 10%}}
services:
  paperless:
    namespace: productivity
    classification: critical
    storage: longhorn
    rpo: 24h
    rto: 4h
    owner: alice
    files:
      - {pvc: paperless-data, source: ./pvc/paperless-data, schedule: "@daily-random", repository: local,
         keep: {daily: 7, weekly: 4}, verify: true}
      - name: db
        dump: {command: "echo 'pg_dump output would be here'", container: postgres, extension: .sql}
        schedule: "0 */6 * * *"
        repository: local
        keep: {last: 8}
  wiki:
    namespace: docs
    classification: best-effort
    rpo: 7d
    owner: bob
    files:
      - {pvc: wiki-pages, source: ./pvc/wiki-pages, schedule: "@weekly-random", repository: local, keep: {last: 4}}
tests:                      # the strategy's test plan: hort performs and records these
  BT-K8-01:
    type: files
    scope: productivity
    every: 3mo
    responsible: alice
    auto: true
    validate:
      expect: [paperless/data/paperless-data/docs/doc1.txt, paperless/productivity-postgres.sql]
      min_files: 10
      commands:
        - {run: "grep -q pg_dump paperless/productivity-postgres.sql", timeout: 1m}
        - "test \$(ls paperless/data/paperless-data/docs | wc -l) -ge 20"
  BT-LH-01: {type: volume, scope: paperless, every: 3mo, responsible: alice}
  BT-DR-01: {type: dr, every: 1y, responsible: bob}
YAML
cat "$VAR/hort.yaml"
export HORT_CONFIG="$VAR/hort.yaml"
step "hort config check"
"$HORT" config check
step "hort status (nothing has run yet: the critical service is NEVER, exit code 4)"
"$HORT" status || echo "(exit code $?)"
step "hort run paperless; hort run wiki (what hort serve does on schedule)"
"$HORT" run paperless
"$HORT" run wiki
step "hort guard pre-upgrade --service paperless (the pre-upgrade hook)"
"$HORT" guard pre-upgrade --service paperless
step "hort status"
"$HORT" status
step "hort snapshots (K8up's identity: host = namespace, path = /data/<pvc>)"
"$HORT" -r "$REPO" snapshots
step "hort test due (the plan: nothing tested yet, so every test is due)"
"$HORT" test due
step "hort test run BT-K8-01 (prepare → restore → validate → clean up → record)"
"$HORT" test run BT-K8-01
step "hort test run BT-DR-01 (cold-start drill of every group in the repository)"
"$HORT" test run BT-DR-01
step "hort test list"
"$HORT" test list
step "hort status"
"$HORT" status
step "hort report --markdown (the strategy's documentation tables, from live state)"
"$HORT" report --markdown
step "hort protocol --markdown (the strategy's protocol, filled in)"
"$HORT" protocol --markdown
step "hort dr --target (from the repository's credentials alone: no catalog, no state)"
"$HORT" -r "$REPO" dr --target "$VAR/dr"
step "hort metrics (what Prometheus scrapes from hort serve), an excerpt"
"$HORT" metrics | grep -E '^hort_(backup_last_status|backup_rpo_compliant|restore_test_last_status|restore_test_due)' | head -10
step "hort serve's dashboard: what /api/v1/overview says (the page at / shows it; docs/dashboard.md)"
DASH_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$HORT" serve --config "$VAR/hort.yaml" --listen "127.0.0.1:$DASH_PORT" 2>"$VAR/serve.log" &
DASH_PID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$DASH_PORT/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$DASH_PORT/api/v1/overview" | python3 -c '
import json, sys
o = json.load(sys.stdin)
print("summary:", o["summary"])
for s in o["services"]:
    print("  %-12s %-7s %s" % (s["name"], s["health"], ", ".join("%s %s" % (e["entry"], e["health"]) for e in s["entries"])))'
kill -TERM "$DASH_PID"; wait "$DASH_PID" || true
step "the cluster half: the project's test Kubernetes API server (tests/kube; no kube-apiserver runs here)"
KUBE="$VAR/kube"
bash "$ROOT/tests/kube/kube.sh" start "$KUBE"
trap 'bash "$ROOT/tests/kube/kube.sh" stop "$KUBE" >/dev/null 2>&1 || true' EXIT
export KUBECONFIG="$KUBE/kubeconfig"
api() {  # api PATH JSON: create an object as the cluster's admin
  curl -sf --cacert "$KUBE/ca.crt" --cert "$KUBE/admin.crt" --key "$KUBE/admin.key" -H 'Content-Type: application/json' \
    -X POST "https://127.0.0.1:$(cat "$KUBE/port")$1" -d "$2" >/dev/null
}
api /api/v1/namespaces '{"metadata":{"name":"productivity"}}'
api /api/v1/namespaces '{"metadata":{"name":"games"}}'
for pvc in productivity/paperless-data productivity/paperless-media games/minecraft; do
  api "/api/v1/namespaces/${pvc%/*}/persistentvolumeclaims" "{\"metadata\":{\"name\":\"${pvc#*/}\"},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"storageClassName\":\"longhorn\",\"resources\":{\"requests\":{\"storage\":\"5Gi\"}}}}"
done
api /api/v1/namespaces/productivity/pods '{"metadata":{"name":"paperless-db-0","labels":{"app":"paperless-db"}},"spec":{"nodeName":"node-a","containers":[{"name":"postgres","image":"postgres:16"}],"volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"paperless-data"}}]}}'
sleep 0.5
sqlite3 "$KUBE/state/containers/productivity/paperless-db-0/postgres/app.db" \
  "create table docs(title text); insert into docs values ('invoice'), ('letter');"
cat >"$VAR/cluster.yaml" <<YAML
kubernetes: {kubeconfig: $KUBECONFIG}
state: cluster-state.sqlite
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
services:
  paperless:
    namespace: productivity
    classification: critical
    rpo: 1d
    files:
      - {pvc: paperless-data, source: ./data, schedule: "@daily", repository: main}
      - name: db
        schedule: "@daily"
        repository: main
        dump: {pod: "app=paperless-db", container: postgres, command: [sqlite3, app.db, .dump], extension: .sql}
    resources:
      - {name: manifests, schedule: "@daily", repository: main}
tests:
  BT-VL-01:
    type: resources
    scope: [paperless]
    every: 6mo
    responsible: bob
    validate: {expect: [Pod/paperless-db-0, PersistentVolumeClaim/paperless-data]}
YAML
step "hort kube check (version, who hort is, every permission it needs)"
"$HORT" kube check
step "hort kube coverage --config cluster.yaml (which PVCs nothing backs up: unprotected first)"
"$HORT" kube coverage --config "$VAR/cluster.yaml"
step "hort run paperless/files/db (sqlite3 .dump runs inside the pod's container through pods/exec)"
"$HORT" run --config "$VAR/cluster.yaml" paperless/files/db
"$HORT" -r "$REPO" dump latest /productivity-postgres.sql | head -5
step "hort run paperless/resources/manifests (Velero's role: the namespace's objects as /resources/manifests.tar)"
"$HORT" run --config "$VAR/cluster.yaml" paperless/resources/manifests
"$HORT" -r "$REPO" resources restore latest --namespace-mappings productivity:productivity-copy --dry-run | tail -4
step "hort test run BT-VL-01 (restore into productivity-bt-<date>, check every object, delete it, record)"
"$HORT" test run --config "$VAR/cluster.yaml" BT-VL-01
"$HORT" protocol --config "$VAR/cluster.yaml" --markdown

step "the volumes layer (Longhorn's role): a 64 MiB ext4 image backed up into a Longhorn backupstore folder"
IMG="$VAR/volume.img"
truncate -s 64M "$IMG"
mkfs.ext4 -q -F "$IMG"
head -c 4M /dev/urandom >"$VAR/blob" && debugfs -w -R "write $VAR/blob blob" "$IMG" >/dev/null 2>&1
"$HORT" volumes backup "$IMG" --store "vfs://$VAR/longhorn" --volume pvc-demo
step "change 1 block, back up again (only changed blocks are uploaded), verify every block, restore, e2fsck"
dd if=/dev/urandom of="$IMG" bs=1M count=1 seek=40 conv=notrunc status=none
"$HORT" volumes backup "$IMG" --store "vfs://$VAR/longhorn" --volume pvc-demo
"$HORT" volumes ls --store "vfs://$VAR/longhorn"
"$HORT" volumes verify --store "vfs://$VAR/longhorn" --read-data
"$HORT" volumes restore --store "vfs://$VAR/longhorn" --volume pvc-demo --to "$VAR/restored.img"
cmp "$IMG" "$VAR/restored.img" && echo "restored image identical"
e2fsck -fn "$VAR/restored.img" >/dev/null && echo "e2fsck -fn: clean"

step "hort runbook --markdown --lang en (per service and scenario: the real snapshot IDs, the exact commands, the restore tests' measured times against the RTO)"
"$HORT" runbook --config "$VAR/hort.yaml" --markdown --lang en
step "hort runbook --markdown --lang de (the same in German, as the strategy document is written)"
"$HORT" runbook --config "$VAR/hort.yaml" --markdown --lang de
step "hort runbook --config cluster.yaml --service paperless (namespace deleted: the resources snapshot and BT-VL-01)"
"$HORT" runbook --config "$VAR/cluster.yaml" --service paperless --lang en

step "done: repository at $REPO, catalog at $VAR/hort.yaml (start the daemon: hort serve --config $VAR/hort.yaml)"
