#!/usr/bin/env bash
# hort and Velero's backup storage location, on the test API server:
# a kubectl-built homelab namespace backed up and exported into a location
# (a local folder), verified at L4 and, with --replay, at L5 (a dry-run
# restore into <ns>-verify); an export under a taken name refused; hand-damaged
# copies of the location each reported at the right level; the namespace
# deleted and restored from the location, equal for kubectl. Then a backup
# written from the reference by tests/kube/make_velero_backup.py (not by hort)
# verifies and restores; and bad input: an unknown resource, a mapping onto
# an existing namespace under policy none, a ServiceAccount that may not
# list secrets (exit 3, PartiallyFailed, everything else backed up; with
# --require secrets exit 1 and no snapshot).
source "$(dirname "$0")/lib.sh"
HOMELAB=$E2E_DIR/../kube/homelab
MAKE_VELERO=$E2E_DIR/../kube/make_velero_backup.py
start_kube
cd "$WORK"

apply_homelab crd productivity backupplan
snapshot_ns productivity before.json

# check_verify LOCATION LEVEL PATTERN: verify --json exits 1, the one backup
# reached LEVEL and its first problem (at LEVEL+1) matches PATTERN.
check_verify() {
  expect_rc 1 hort --json resources verify --velero "$1"
  python3 - "$WORK/last.out" "$2" "$3" <<'PY' || fail "verify of $1: $(cat "$WORK/last.out")"
import json, re, sys
checks = json.load(open(sys.argv[1]))
level, pattern = int(sys.argv[2]), sys.argv[3]
assert len(checks) == 1, checks
c = checks[0]
assert c["level_reached"] == level, (c["level_reached"], level)
assert c["problems"] and c["problems"][0]["level"] == level + 1, c["problems"]
assert re.search(pattern, c["problems"][0]["message"]), (pattern, c["problems"])
PY
}

hort init -r repo >/dev/null
note "backup, export into a location (a folder), verify at L4"
expect_rc 0 hort -r repo resources backup -n productivity
expect_rc 0 hort -r repo resources export latest --to "$WORK/bsl" --name nightly-1
grep -q "as Velero backup nightly-1" "$WORK/last.out" || fail "export: $(cat "$WORK/last.out")"
for f in velero-backup.json nightly-1.tar.gz nightly-1-resource-list.json.gz nightly-1-results.gz nightly-1-logs.gz; do
  [ -s "bsl/backups/nightly-1/$f" ] || fail "export wrote no $f"
done
[ "$(ls bsl)" = backups ] || fail "export wrote more than backups/: $(ls bsl)"
expect_rc 0 hort -r repo --json resources export latest --to "$WORK/bsl2" --name nightly-2
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["backup_name"]=="nightly-2" and j["items"]>=12 and len(j["snapshot_id"])==64 and j["location"].endswith("bsl2"), j' \
  "$WORK/last.out" || fail "export --json: $(cat "$WORK/last.out")"
expect_rc 0 hort resources verify --velero "$WORK/bsl"
grep -q "^nightly-1 .* L4 ok" "$WORK/last.out" || fail "verify: $(cat "$WORK/last.out")"
expect_rc 0 hort --json resources verify --velero "$WORK/bsl"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert [x["level_reached"] for x in c]==[4] and c[0]["phase"]=="Completed" and c[0]["items"]>=12, c' \
  "$WORK/last.out" || fail "verify --json: $(cat "$WORK/last.out")"
expect_rc 0 hort -r repo resources verify
grep -q " L4 ok" "$WORK/last.out" || fail "verify of the repository: $(cat "$WORK/last.out")"

note "the same name again is refused"
cp bsl/backups/nightly-1/velero-backup.json cr-before.json
expect_rc 1 hort -r repo resources export latest --to "$WORK/bsl" --name nightly-1
one_line "$WORK/last.err"
grep -q "nightly-1 already exists" "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
cmp -s cr-before.json bsl/backups/nightly-1/velero-backup.json || fail "the refused export changed the backup"

note "L5: --replay, a dry-run restore into productivity-verify, writes nothing"
kubectl get namespaces -o name | sort >ns-before.txt
expect_rc 0 hort --json resources verify --velero "$WORK/bsl" --replay
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert [x["level_reached"] for x in c]==[5], c' "$WORK/last.out" \
  || fail "replay: $(cat "$WORK/last.out")"
expect_rc 0 hort resources verify --velero "$WORK/bsl" --replay
grep -q "^nightly-1 .* L5 ok" "$WORK/last.out" || fail "replay: $(cat "$WORK/last.out")"
expect_rc 0 hort -r repo resources verify --replay
grep -q " L5 ok" "$WORK/last.out" || fail "replay of the repository: $(cat "$WORK/last.out")"
kubectl get namespaces -o name | sort >ns-after.txt
cmp -s ns-before.txt ns-after.txt || fail "the replay created a namespace"

note "hand-damaged copies of the location"
damaged() { rm -rf "$WORK/$1"; cp -r "$WORK/bsl" "$WORK/$1"; }
B=backups/nightly-1
damaged truncated
python3 -c 'import sys; p=sys.argv[1]; d=open(p,"rb").read(); open(p,"wb").write(d[:len(d)//2])' truncated/$B/nightly-1.tar.gz
check_verify "$WORK/truncated" 1 "nightly-1.tar.gz"
damaged partial
sed -i 's/"phase": "Completed"/"phase": "PartiallyFailed"/' partial/$B/velero-backup.json
check_verify "$WORK/partial" 0 "^phase PartiallyFailed"
damaged unlisted
python3 - unlisted/$B/nightly-1-resource-list.json.gz <<'PY'
import gzip, json, sys
l = json.loads(gzip.decompress(open(sys.argv[1], "rb").read()))
l["v1/ConfigMap"].remove("productivity/paperless-env")
open(sys.argv[1], "wb").write(gzip.compress((json.dumps(l, separators=(",", ":")) + "\n").encode()))
PY
check_verify "$WORK/unlisted" 3 "^v1/ConfigMap productivity/paperless-env: in the tarball, missing from the resource list"
damaged notar
rm notar/$B/nightly-1.tar.gz
check_verify "$WORK/notar" 1 "nightly-1.tar.gz missing"
damaged expired
python3 - expired/$B/velero-backup.json <<'PY'
import json, sys
cr = json.load(open(sys.argv[1]))
cr["status"]["expiration"] = "2020-01-01T00:00:00Z"
json.dump(cr, open(sys.argv[1], "w"), indent=2)
PY
check_verify "$WORK/expired" 0 "^expired at 2020-01-01T00:00:00Z"
damaged stray  # an entry Velero's parser skips ("Ignoring unexpected file"): no damage, noted
python3 - stray/$B/nightly-1.tar.gz <<'PY'
import gzip, io, sys, tarfile
p = sys.argv[1]
old = tarfile.open(fileobj=io.BytesIO(gzip.decompress(open(p, "rb").read())))
out = io.BytesIO()
with tarfile.open(fileobj=out, mode="w") as new:
    for m in old.getmembers():
        new.addfile(m, old.extractfile(m))
    note = b"edited by hand\n"
    info = tarfile.TarInfo("README.txt"); info.size = len(note); new.addfile(info, io.BytesIO(note))
open(p, "wb").write(gzip.compress(out.getvalue()))
PY
expect_rc 0 hort --json resources verify --velero "$WORK/stray"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))[0]; assert c["level_reached"]==4 and any("README.txt: not a Velero path" in n and "ignored" in n for n in c["notes"]), c' \
  "$WORK/last.out" || fail "verify of a tarball with a stray entry: $(cat "$WORK/last.out")"
expect_rc 0 hort resources restore --velero "$WORK/stray" --name nightly-1 --dry-run
grep -q "nightly-1.tar.gz: README.txt: not a Velero path .*: ignored, as Velero ignores it" "$WORK/last.err" \
  || fail "restore of a tarball with a stray entry: $(cat "$WORK/last.err")"
damaged toplevel
mkdir toplevel/snapshots && echo x >toplevel/snapshots/x
check_verify "$WORK/toplevel" -1 "invalid top-level directories.*snapshots"
grep -q "invalid top-level directories" "$WORK/last.err" || fail "the location's problem is not on stderr"

note "delete the namespace, restore it from the Velero location"
kubectl delete -f "$HOMELAB/backupplan.yaml" >/dev/null
kubectl delete namespace productivity >/dev/null
kubectl delete pv pv-paperless-data >/dev/null
expect_rc 0 hort resources restore --velero "$WORK/bsl" --name nightly-1
snapshot_ns productivity after.json
python3 "$E2E_DIR/kube_normalize.py" --compare before.json after.json || fail "the namespace restored from the location differs"
kubectl get pv pv-paperless-data >/dev/null || fail "the PV was not restored"

note "a Velero-layout backup written from the reference restores through hort"
python3 "$MAKE_VELERO" "$WORK/vbsl" media-daily-20261203020000 >made.json
expect_rc 0 hort --json resources verify --velero "$WORK/vbsl"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert [x["level_reached"] for x in c]==[4] and c[0]["items"]==8, c' \
  "$WORK/last.out" || fail "verify of Velero's backup: $(cat "$WORK/last.out")"
expect_rc 0 hort --json resources verify --velero "$WORK/vbsl" --replay
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert [x["level_reached"] for x in c]==[5], c' "$WORK/last.out" \
  || fail "replay of Velero's backup: $(cat "$WORK/last.out")"
expect_rc 0 hort --json resources restore --velero "$WORK/vbsl" --name media-daily-20261203020000
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); bad=[i for i in r["items"] if i["action"]!="created"]; assert not bad, bad' \
  "$WORK/last.out" || fail "restore of Velero's backup: $(cat "$WORK/last.out")"
kubectl get configmap jellyfin-env -n media -o jsonpath='{.data.TZ}' | grep -qx Europe/Berlin || fail "ConfigMap missing"
# Velero's merge patch puts back the backed-up field managers (the create made hort the manager of every field)
managers=$(kubectl get configmap jellyfin-env -n media -o jsonpath='{.metadata.managedFields[*].manager}')
[ "$managers" = helm ] || fail "jellyfin-env: managedFields of ${managers:-nobody}, not the backed-up helm"
kubectl get secret jellyfin-api -n media -o jsonpath='{.data.api-key}' | grep -qx czNjcjN0LWtleQ== || fail "Secret missing"
kubectl get deployment jellyfin -n media -o jsonpath='{.spec.template.spec.containers[0].image}' | grep -qx jellyfin/jellyfin:10.10.3 \
  || fail "Deployment missing"
ip=$(kubectl get service jellyfin -n media -o jsonpath='{.spec.clusterIP}')
[ -n "$ip" ] && [ "$ip" != 10.96.123.45 ] || fail "Service clusterIP kept or missing: '$ip'"
[ "$(kubectl get service jellyfin -n media -o jsonpath='{.spec.type}')" = NodePort ] || fail "Service type lost"
kubectl get pvc library -n media -o jsonpath='{.spec.volumeName}' | grep -qx pv-media-library || fail "PVC missing or unbound"
kubectl get pv pv-media-library -o jsonpath='{.spec.claimRef.namespace}/{.spec.claimRef.name}' | grep -qx media/library \
  || fail "PV missing"
kubectl get storageclass media-local >/dev/null || fail "StorageClass missing"

note "L5 finds an item the API server refuses; L0–L4 cannot"
python3 "$MAKE_VELERO" "$WORK/vbad" media-bad --bad-item >/dev/null
expect_rc 0 hort resources verify --velero "$WORK/vbad"
expect_rc 1 hort --json resources verify --velero "$WORK/vbad" --replay
python3 - "$WORK/last.out" <<'PY' || fail "replay of a bad item: $(cat "$WORK/last.out")"
import json, sys
c = json.load(open(sys.argv[1]))[0]
assert c["level_reached"] == 4, c
assert c["problems"][0]["level"] == 5 and "configmaps media-verify/Bad_Name" in c["problems"][0]["message"], c["problems"]
PY
expect_rc 1 hort resources verify --velero "$WORK/vbad" --replay
grep -q "^media-bad .* L4 FAILED at L5: dry-run restore: configmaps media-verify/Bad_Name" "$WORK/last.out" \
  || fail "replay text: $(cat "$WORK/last.out")"

note "bad input: an unknown resource"
expect_rc 1 hort resources restore --velero "$WORK/bsl" --name nightly-1 --include-resources configmaps,gizmos
one_line "$WORK/last.err"
grep -q "gizmos" "$WORK/last.err" || fail "the unknown resource is not named: $(cat "$WORK/last.err")"
expect_rc 1 hort -r repo resources backup -n productivity --include gizmos
one_line "$WORK/last.err"
grep -q "gizmos" "$WORK/last.err" || fail "the unknown resource is not named: $(cat "$WORK/last.err")"

expect_rc 1 hort resources restore --velero "$WORK/bsl"
one_line "$WORK/last.err"
grep -q -- "--velero needs --name" "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
expect_rc 1 hort resources restore --velero "$WORK/bsl" --name nightly-9
one_line "$WORK/last.err"
grep -q "nightly-9" "$WORK/last.err" || fail "the missing backup is not named: $(cat "$WORK/last.err")"
expect_rc 1 env KUBECONFIG="$WORK/none" "$HORT" resources verify --velero "$WORK/bsl" --replay
one_line "$WORK/last.err"
grep -q "no kubeconfig" "$WORK/last.err" || fail "--replay without a cluster: $(cat "$WORK/last.err")"

note "bad input: a mapping onto an existing namespace, policy none: nothing overwritten"
kubectl create namespace existing-ns >/dev/null
kubectl create configmap paperless-env -n existing-ns --from-literal=PAPERLESS_URL=http://elsewhere >/dev/null
expect_rc 0 hort --json resources restore --velero "$WORK/bsl" --name nightly-1 --namespace-mappings productivity:existing-ns
python3 - "$WORK/last.out" <<'PY' || fail "mapping onto existing-ns: $(cat "$WORK/last.out")"
import json, sys
r = json.load(open(sys.argv[1]))
by = {(i["resource"], i["namespace"], i["name"]): i for i in r["items"]}
cm = by[("configmaps", "existing-ns", "paperless-env")]
assert cm["action"] == "differs" and cm["diff"], cm
assert by[("deployments.apps", "existing-ns", "paperless")]["action"] == "created"
pv = by[("persistentvolumes", "", "pv-paperless-data")]
assert pv["action"] == "skipped" and pv["message"] == "exists for productivity/paperless-data: the claim in existing-ns provisions a new volume", pv
PY
kubectl get configmap paperless-env -n existing-ns -o jsonpath='{.data.PAPERLESS_URL}' | grep -qx http://elsewhere \
  || fail "policy none overwrote an existing object"
grep -q "paperless-env" "$WORK/last.err" || fail "the differing object is not warned about"

note "bad input: RBAC forbids listing secrets: exit 3, PartiallyFailed, everything else backed up"
kubectl create namespace backup >/dev/null
kubectl create serviceaccount hort -n backup >/dev/null
kubectl api-resources --verbs=list -o name >types.txt
python3 - types.txt <<'PY' >no-secrets.json
import json, sys
groups = {}
for t in open(sys.argv[1]).read().split():
    res, _, group = t.partition(".")
    if t != "secrets":
        groups.setdefault(group, []).append(res)
rules = [{"apiGroups": [g], "resources": sorted(r), "verbs": ["get", "list"]} for g, r in sorted(groups.items())]
print(json.dumps({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                  "metadata": {"name": "hort-no-secrets"}, "rules": rules}))
PY
kubectl apply -f no-secrets.json >/dev/null
kubectl create clusterrolebinding hort-no-secrets --clusterrole=hort-no-secrets --serviceaccount=backup:hort >/dev/null
kubectl create token hort -n backup >sa.token
sa_kubeconfig "$WORK/sa.token" sa.kubeconfig
[ "$(kubectl --kubeconfig sa.kubeconfig auth can-i list secrets -n productivity || true)" = no ] || fail "the SA may list secrets"
expect_rc 3 hort -r repo --json resources backup -n productivity --name rbac --kubeconfig sa.kubeconfig
one_line "$WORK/last.err"
grep -q 'secrets is forbidden' "$WORK/last.err" || fail "the forbidden kind is not named: $(cat "$WORK/last.err")"
grep -Eq '^error: error listing secrets in namespace productivity: context [^ ]+ \(cluster [^ ]+ at [^)]+\): secrets is forbidden' "$WORK/last.err" \
  || fail "not the line docs/cli.md shows: $(cat "$WORK/last.err")"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["phase"]=="PartiallyFailed" and j["errors"]==1, j' "$WORK/last.out" \
  || fail "backup --json: $(cat "$WORK/last.out")"
restic -r repo dump latest /resources/rbac.tar >rbac.tar
tar -tf rbac.tar >rbac.txt
! grep -q "^resources/secrets/" rbac.txt || fail "secrets in a backup that could not list them"
for p in configmaps/namespaces/productivity/paperless-env deployments.apps/namespaces/productivity/paperless \
         persistentvolumes/cluster/pv-paperless-data serviceaccounts/namespaces/productivity/paperless; do
  grep -qx "resources/$p.json" rbac.txt || fail "$p missing from the partial backup"
done
expect_rc 1 hort -r repo resources verify
grep -q "FAILED at L1: phase PartiallyFailed" "$WORK/last.out" || fail "verify of the partial backup: $(cat "$WORK/last.out")"
note "the same with --require secrets: fatal, exit 1, no snapshot written"
restic -r repo snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' >count-before.txt
expect_rc 1 hort -r repo resources backup -n productivity --name rbac --require secrets --kubeconfig sa.kubeconfig
one_line "$WORK/last.err"
grep -q 'required resource secrets could not be listed in namespace productivity: .*secrets is forbidden' "$WORK/last.err" \
  || fail "require: $(cat "$WORK/last.err")"
restic -r repo snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' >count-after.txt
cmp -s count-before.txt count-after.txt || fail "a snapshot was written although a required kind was missing"
note "L5 asks the authorizer for items bound for a namespace the dry run only pretends"
kubectl create serviceaccount replay -n backup >/dev/null
python3 - types.txt <<'PY' >replay-role.json
import json, sys
groups = {}
for t in open(sys.argv[1]).read().split():
    res, _, group = t.partition(".")
    if t != "secrets":
        groups.setdefault(group, []).append(res)
rules = [{"apiGroups": [g], "resources": sorted(r), "verbs": ["get", "list", "create"]} for g, r in sorted(groups.items())]
rules.append({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]})
print(json.dumps({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                  "metadata": {"name": "hort-replay"}, "rules": rules}))
PY
kubectl apply -f replay-role.json >/dev/null
kubectl create clusterrolebinding hort-replay --clusterrole=hort-replay --serviceaccount=backup:replay >/dev/null
kubectl create token replay -n backup >replay.token
sed "s|$WORK/sa.token|$WORK/replay.token|" sa.kubeconfig >replay.kubeconfig
expect_rc 1 hort --json resources verify --velero "$WORK/bsl" --replay --kubeconfig replay.kubeconfig
python3 - "$WORK/last.out" <<'PY' || fail "replay without create secrets: $(cat "$WORK/last.out")"
import json, sys
c = json.load(open(sys.argv[1]))[0]
assert c["level_reached"] == 4, c
msgs = [p["message"] for p in c["problems"]]
assert all(p["level"] == 5 for p in c["problems"]), c["problems"]
assert msgs == ["dry-run restore: secrets productivity-verify/paperless-db: forbidden: may not create secrets in namespace productivity-verify"], msgs
PY
echo "resources velero ok"
