#!/usr/bin/env bash
# The resources layer from the catalog: services.<name>.resources entries run
# as jobs (hort run, hort guard), keep their own retention series
# /resources/<entry>.tar with host = namespace, and show in status, report and
# metrics as layer "resources". BT-VL-01 (type resources) restores the
# namespace into a scratch namespace by mapping, checks every object and the
# expected ones, runs its smoke command there, records the protocol row and
# deletes the scratch namespace (--keep keeps it and names it; the next run
# removes it, and any other namespace bearing the test's label, first).
source "$(dirname "$0")/lib.sh"
HOMELAB=$E2E_DIR/../kube/homelab
start_kube
cd "$WORK"
apply_homelab crd productivity
hort init -r repo >/dev/null
cat >hort.yaml <<YAML
kubernetes: {kubeconfig: $KUBECONFIG}
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
services:
  paperless:
    namespace: productivity
    classification: critical
    rpo: 1d
    resources:
      - name: manifests
        schedule: "@daily"
        repository: main
        exclude: [events]
        keep: {last: 2}
  platform:
    namespace: kube-system
    classification: important
    rpo: 1d
    resources:
      - {name: cluster, cluster_wide: true, schedule: "@daily", repository: main, exclude: [nodes]}
tests:
  BT-VL-01:
    type: resources
    scope: [paperless]
    every: 3mo
    responsible: bob
    validate:
      expect: [Deployment/paperless, ConfigMap/paperless-env, BackupPlan/nightly]
      ready_timeout: 6s
      commands:
        - run: kubectl -n "\$HORT_TEST_NAMESPACE" get configmap paperless-env -o jsonpath='{.data.PAPERLESS_URL}'
          output_contains: paperless.home.arpa
YAML

note "config check lists the resources job"
expect_rc 0 hort config check --config hort.yaml
grep -q "paperless/resources/manifests" "$WORK/last.out" || fail "no resources job: $(cat "$WORK/last.out")"

note "three runs, retention keeps the last two"
expect_rc 0 hort run --config hort.yaml paperless/resources/manifests
first=$(du -sb repo/data | cut -f1)
for i in 2 3; do expect_rc 0 hort run --config hort.yaml paperless/resources/manifests; done
# An unchanged namespace: the job's later runs store no new data or trees.
[ "$(du -sb repo/data | cut -f1)" = "$first" ] || fail "unchanged runs added data: $first -> $(du -sb repo/data | cut -f1)"
restic -r repo snapshots --json >snaps.json
python3 - snaps.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert len(s) == 2, len(s)
for x in s:
    assert x["paths"] == ["/resources/manifests.tar"] and x["hostname"] == "productivity" and "resources" in x["tags"], x
PY

note "the cluster-wide entry: cluster-scoped objects only"
expect_rc 0 hort run --config hort.yaml platform/resources/cluster
restic -r repo dump latest --host kube-system /resources/cluster.tar | tar -t >cluster.txt
grep -q "^resources/persistentvolumes/cluster/pv-paperless-data.json$" cluster.txt || fail "no PV in the cluster-wide entry"
grep -q "^resources/customresourcedefinitions.apiextensions.k8s.io/cluster/backupplans.homelab.example.org.json$" cluster.txt \
  || fail "no CRD in the cluster-wide entry"
! grep -q "/namespaces/" cluster.txt || fail "namespaced objects in the cluster-wide entry: $(grep /namespaces/ cluster.txt | head -3)"
! grep -q "^resources/namespaces/" cluster.txt || fail "Namespace objects in the cluster-wide entry"

note "status, metrics and report show the layer"
expect_rc 0 hort status --config hort.yaml
grep -q "^paperless .*resources .*manifests .*OK" "$WORK/last.out" || fail "status: $(cat "$WORK/last.out")"
expect_rc 0 hort metrics --config hort.yaml
grep -q '^hort_backup_last_status{service="paperless",namespace="productivity",layer="resources",entry="manifests",repository="main",classification="critical"} 1$' "$WORK/last.out" \
  || fail "metrics: $(grep layer=\"resources\" "$WORK/last.out")"
expect_rc 0 hort report --config hort.yaml --json
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); s=j["services"][0]; assert s["resources"] is not None and s["last_backup"] is None, s' "$WORK/last.out" \
  || fail "report: $(cat "$WORK/last.out")"

note "resources verify --repository NAME checks a catalog repository's resource snapshots"
expect_rc 0 hort --config hort.yaml resources verify --repository main
[ "$(grep -c ' L4 ok$' "$WORK/last.out")" -ge 2 ] || fail "verify --repository main: $(cat "$WORK/last.out")"
expect_rc 1 hort --config hort.yaml resources verify --repository nope
one_line "$WORK/last.err"
grep -q 'no repository named "nope"' "$WORK/last.err" || fail "unknown repository: $(cat "$WORK/last.err")"

note "guard backs up the resources too, tagged"
expect_rc 0 hort guard --config hort.yaml pre-upgrade
[ "$(restic -r repo snapshots --tag pre-upgrade --host productivity --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] \
  || fail "guard made no tagged resource snapshot"

note "a restore from the catalog's snapshot brings a deleted object back"
kubectl delete configmap paperless-env -n productivity >/dev/null
expect_rc 0 hort -r repo resources restore latest --host productivity
kubectl get configmap paperless-env -n productivity -o jsonpath='{.data.PAPERLESS_TIME_ZONE}' | grep -qx Europe/Berlin \
  || fail "the ConfigMap did not come back"
grep -q "created .*configmaps .*productivity .*paperless-env" "$WORK/last.out" || fail "restore table: $(cat "$WORK/last.out")"

# The test deletes its scratch namespace and does not wait: the namespace controller empties it (Terminating) first.
scratch_gone() {
  local end=$((SECONDS + 10))
  while kubectl get namespaces -o name | grep -q -- "-bt-"; do [ $SECONDS -lt $end ] || return 1; sleep 0.2; done
}

note "BT-VL-01: restore into a scratch namespace, validate, record, clean up"
SCRATCH="productivity-bt-$(date -u +%Y%m%d)"
apply_homelab backupplan
expect_rc 0 hort run --config hort.yaml paperless/resources/manifests
expect_rc 0 hort test run --config hort.yaml BT-VL-01
cat "$WORK/last.out"
# The test API server runs no controllers: availability is noted as not checked, not failed.
grep -q "no controller reported on Deployment $SCRATCH/paperless within 6 s" "$WORK/last.out" \
  || fail "no note about the unchecked Deployment: $(cat "$WORK/last.out")"
scratch_gone || fail "the scratch namespace is still there"
expect_rc 0 hort protocol --config hort.yaml --lang en
grep -q "BT-VL-01  pass (restore .* objects)" "$WORK/last.out" || fail "protocol: $(cat "$WORK/last.out")"
note "SIGTERM while the test waits for its workloads: it stops at once, deletes its scratch namespace, records why"
"$HORT" test run --config hort.yaml BT-VL-01 >"$WORK/term.out" 2>"$WORK/term.err" &
pid=$!
BG_PIDS+=($pid)
wait_for 60 grep -q "BT-VL-01: validate" "$WORK/term.err"  # the restore is done: inside the 6 s wait for a controller
sleep 0.5
t0=$SECONDS
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
[ "$rc" = 130 ] || { cat "$WORK/term.out" "$WORK/term.err"; fail "SIGTERM: exit $rc, expected 130"; }
# Not at the end of the 6 s controller wait: the stop ends it (cleanup included, well under 4 s).
[ $((SECONDS - t0)) -lt 4 ] || fail "SIGTERM: the test took $((SECONDS - t0)) s to stop"
scratch_gone || fail "SIGTERM: the scratch namespace is still there"
hort protocol --config hort.yaml --json | python3 -c '
import json, sys
r = [r for r in json.load(sys.stdin) if r["test"] == "BT-VL-01"][-1]
assert r["result"] == "fail" and any("interrupted by a signal" in f for f in r["findings"]), r
# Stopped in the wait, not in the restore: every object was restored, none reported missing.
assert not any("not restored" in f or "is not in the cluster" in f for f in r["findings"]), r' || fail "SIGTERM: protocol row"
note "a missing expected object fails the test and still cleans up"
sed -i 's#BackupPlan/nightly#BackupPlan/weekly#' hort.yaml
expect_rc 5 hort test run --config hort.yaml BT-VL-01
grep -q "expected object BackupPlan/weekly was not restored" "$WORK/last.out" "$WORK/last.err" || fail "finding: $(cat "$WORK/last.out")"
scratch_gone || fail "the scratch namespace is still there after a failure"
note "a namespace with the scratch name that the test did not make is refused and left alone"
sed -i 's#BackupPlan/weekly#BackupPlan/nightly#' hort.yaml

# play_controller N: stands in for the cluster's controllers during a test run: once the
# scratch workloads exist, writes their status with N of 1 replicas available.
play_controller() {
  for _ in $(seq 1 120); do
    if kubectl get statefulset paperless-db -n "$SCRATCH" >/dev/null 2>&1; then
      for w in deployment/paperless statefulset/paperless-db; do
        kubectl patch "$w" -n "$SCRATCH" --subresource=status --type=merge \
          -p "{\"status\":{\"observedGeneration\":1,\"replicas\":1,\"readyReplicas\":$1,\"availableReplicas\":$1}}" >/dev/null
      done
      return 0
    fi
    sleep 0.5
  done
}
note "where a controller runs the workloads, every replica must become available"
play_controller 0 & CONTROLLER=$!
expect_rc 5 hort test run --config hort.yaml BT-VL-01
wait $CONTROLLER
scratch_gone || fail "the scratch namespace is still there"  # else the next play_controller finds its workloads
grep -q "Deployment $SCRATCH/paperless: 0 of 1 replicas available after 6 s" "$WORK/last.out" "$WORK/last.err" \
  || fail "unavailable Deployment not found: $(cat "$WORK/last.out")"
grep -q "StatefulSet $SCRATCH/paperless-db: 0 of 1 replicas available after 6 s" "$WORK/last.out" "$WORK/last.err" \
  || fail "unavailable StatefulSet not found: $(cat "$WORK/last.out")"
play_controller 1 & CONTROLLER=$!
expect_rc 0 hort test run --config hort.yaml BT-VL-01
wait $CONTROLLER
grep -q "no controller reported" "$WORK/last.out" && fail "availability was not checked: $(cat "$WORK/last.out")"
scratch_gone || fail "the scratch namespace is still there"

note "two resources entries of one namespace share its scratch namespace; the row counts the objects restored"
python3 - hort.yaml <<'PY'
import sys
p = sys.argv[1]; text = open(p).read()
anchor = "        keep: {last: 2}\n"
text = text.replace(anchor, anchor + "      - {name: configs, schedule: \"@daily\", repository: main, include: [configmaps]}\n", 1)
open(p, "w").write(text)
PY
expect_rc 0 hort run --config hort.yaml paperless/resources/configs
items=0
for entry in manifests configs; do
  n=$(restic -r repo dump latest --host productivity --path "/resources/$entry.tar" "/resources/$entry.tar" | tar -t | grep -c '\.json$')
  items=$((items + n))
done
expect_rc 0 hort test run --config hort.yaml BT-VL-01 --json
python3 - "$WORK/last.out" "$items" <<'PY' || fail "two entries: $(cat "$WORK/last.out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["result"] == "pass", r["findings"]
assert len(r["snapshots"]) == 2, r["snapshots"]
# Not every item of both backups: the ConfigMaps are in both, the PVs and the Namespace are not restored.
assert 0 < r["files"] < int(sys.argv[2]), (r["files"], sys.argv[2])
# The validate stage's time (read-back, the 6 s wait for a controller, the command), not a files test's re-hash.
assert r["validate_seconds"] == r["stage_seconds"]["validate"] > 5, (r["validate_seconds"], r["stage_seconds"])
PY
scratch_gone || fail "the scratch namespace is still there"

note "resources restore latest --path picks the entry's series (configs is newer than manifests)"
expect_rc 0 hort -r repo resources restore latest --host productivity --path /resources/manifests.tar --dry-run --json
python3 -c 'import json,sys; r = {i["resource"] for i in json.load(open(sys.argv[1]))["items"]}; assert "deployments.apps" in r, r' "$WORK/last.out" \
  || fail "--path /resources/manifests.tar: $(head -c 600 "$WORK/last.out")"
note "latest without --path, of a namespace with two entries: refused, both series named (the newest of either would restore the other entry's objects)"
expect_rc 1 hort -r repo resources restore latest --host productivity --dry-run --json
grep -q "latest is ambiguous: resource snapshots of 2 series (host productivity /resources/configs.tar; host productivity /resources/manifests.tar); name one with --host and --path" "$WORK/last.err" \
  || fail "latest without --path: $(cat "$WORK/last.err")"
[ ! -s "$WORK/last.out" ] || fail "a refused restore printed a result: $(head -c 300 "$WORK/last.out")"
expect_rc 1 hort -r repo resources export latest --to "$WORK/velero-nope"
grep -q "latest is ambiguous" "$WORK/last.err" || fail "export latest: $(cat "$WORK/last.err")"
[ ! -e "$WORK/velero-nope" ] || fail "a refused export wrote its location"
expect_rc 1 hort -r repo resources restore latest --host productivity --path /resources/nope.tar --dry-run
grep -q "no resource snapshot of host productivity with path /resources/nope.tar" "$WORK/last.err" || fail "$(cat "$WORK/last.err")"

note "--snapshot picks a resource snapshot of the scope; one of no entry is refused"
oldest=$(restic -r repo snapshots --host productivity --path /resources/manifests.tar --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["short_id"])')
# The oldest snapshot predates the BackupPlan: the test restores it, and says the plan is missing.
expect_rc 5 hort test run --config hort.yaml BT-VL-01 --snapshot "$oldest" --json
grep -q "paperless/resources/manifests main:$oldest" "$WORK/last.out" || fail "--snapshot not taken: $(cat "$WORK/last.out")"
grep -q "expected object BackupPlan/nightly was not restored" "$WORK/last.out" || fail "--snapshot: $(cat "$WORK/last.out")"
rows=$(hort protocol --config hort.yaml --test BT-VL-01 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_rc 1 hort test run --config hort.yaml BT-VL-01 --snapshot ffffffff  # the caller's mistake: refused, no row
grep -q "snapshot ffffffff is no snapshot of a resources entry of the test's scope; nothing was restored and nothing recorded" "$WORK/last.err" \
  || fail "unknown --snapshot: $(cat "$WORK/last.err")"
[ "$(hort protocol --config hort.yaml --test BT-VL-01 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = "$rows" ] \
  || fail "a refused --snapshot was recorded"

note "--keep keeps the scratch namespace and names it; the next run removes it, and one kept on an earlier day, first"
expect_rc 0 hort test run --config hort.yaml BT-VL-01 --keep
grep -q "note: scratch namespace $SCRATCH kept" "$WORK/last.out" || fail "--keep: $(cat "$WORK/last.out")"
grep -q "scratch target kept" "$WORK/last.out" && fail "--keep names a folder a resources test does not use: $(cat "$WORK/last.out")"
kubectl get configmap paperless-env -n "$SCRATCH" >/dev/null || fail "--keep: the restored objects are gone"
[ ! -e hort-work/BT-VL-01-restore-test ] || fail "--keep left the unused scratch folder"
# The kept namespace is deleted but still Terminating (a finalizer holds an object of it) when the next run
# starts: a second DELETE answers 409, so the run waits for it to go before it restores into that name.
kubectl create configmap held -n "$SCRATCH" >/dev/null
kubectl patch configmap held -n "$SCRATCH" --type=merge -p '{"metadata":{"finalizers":["hort.test/hold"]}}' >/dev/null
kubectl delete namespace "$SCRATCH" --wait=false >/dev/null
[ "$(kubectl get namespace "$SCRATCH" -o jsonpath='{.status.phase}')" = Terminating ] || fail "the kept namespace is not Terminating"
(sleep 3; kubectl patch configmap held -n "$SCRATCH" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null) &
BG_PIDS+=($!)
OLD=productivity-bt-20200101
kubectl create namespace "$OLD" >/dev/null
kubectl label namespace "$OLD" hort/restore-test=BT-VL-01 >/dev/null
expect_rc 0 hort test run --config hort.yaml BT-VL-01
for ns in "$SCRATCH" "$OLD"; do
  grep -q "removed scratch namespace $ns left by an earlier run" "$WORK/last.out" || fail "leftover $ns: $(cat "$WORK/last.out")"
done
scratch_gone || fail "a scratch namespace is still there after the run that followed --keep"

kubectl create namespace "$SCRATCH" >/dev/null
kubectl create configmap precious -n "$SCRATCH" --from-literal=keep=me >/dev/null
expect_rc 5 hort test run --config hort.yaml BT-VL-01
grep -q "namespace $SCRATCH exists and was not made by test BT-VL-01" "$WORK/last.out" "$WORK/last.err" || fail "refusal: $(cat "$WORK/last.out")"
kubectl get configmap precious -n "$SCRATCH" >/dev/null || fail "the test touched a namespace it did not make"
echo "resources catalog ok"
