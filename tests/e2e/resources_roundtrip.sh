#!/usr/bin/env bash
# The resources layer (Velero's role) on the test API server: a homelab built
# with kubectl, namespaces productivity (Deployment, StatefulSet, Services,
# ConfigMap, Secret, PVC and its PV, Ingress, ServiceAccount, Role/RoleBinding,
# a CRD with an object) and media (Deployment, NodePort Service, ConfigMap,
# Secret, a PVC without a PV yet, Ingress, ServiceAccount), is backed up as one
# restic snapshot /resources/<entry>.tar, both namespaces are deleted, and
# `hort resources restore` brings every object back as kubectl sees it
# (server-set fields aside); restic checks the repository.
# Then a restore under --namespace-mappings leaves the original untouched,
# and --dry-run predicts exactly what the real restore does, changing nothing.
source "$(dirname "$0")/lib.sh"
HOMELAB=$E2E_DIR/../kube/homelab
start_kube
cd "$WORK"

apply_homelab crd productivity backupplan media

snapshot_ns productivity before.json
snapshot_ns media media-before.json
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' before.json)" -ge 12 ] || fail "the homelab is incomplete"
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' media-before.json)" -ge 7 ] || fail "media is incomplete"
# The node port the server picked: a restore keeps a node port only where it was set explicitly (Velero's
# service action), so the server picks a new one and it is not compared.
strip_node_ports() {
  python3 - "$1" <<'PY'
import json, sys
objs = json.load(open(sys.argv[1]))
for o in objs:
    for p in o.get("spec", {}).get("ports", []) if o["kind"] == "Service" else []:
        p.pop("nodePort", None)
json.dump(objs, open(sys.argv[1], "w"), sort_keys=True, indent=1)
PY
}
strip_node_ports media-before.json

hort init -r repo >/dev/null
note "refused before anything is listed (one line, exit 1, no snapshot): a selector that does not parse, names that cannot be namespaces"
expect_rc 1 hort -r repo resources backup --namespace productivity -l 'bad label!!'
grep -q -- '--selector: unable to parse requirement' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
expect_rc 1 hort -r repo resources backup --namespace Bad_NS
grep -q -- '--namespace: "Bad_NS" is not a namespace name' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
expect_rc 1 hort -r repo resources backup --namespace productivity -l 'app=web!'
grep -q -- '--selector: invalid label value "web!"' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
expect_rc 1 hort -r repo resources backup --namespace 'prod*'
grep -q 'wildcards are not supported' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
for mapping in productivity:Bad_NS productivity: "-x:y"; do
  expect_rc 1 hort -r repo resources restore latest --namespace-mappings "$mapping"
  [ "$(wc -l <"$WORK/last.err")" = 1 ] || fail "more than one line for $mapping: $(cat "$WORK/last.err")"
done
[ "$(restic -r repo snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] || fail "a refused backup wrote a snapshot"
note "backup: one restic snapshot /resources/productivity.tar, host productivity, tag resources"
expect_rc 0 hort -r repo resources backup --namespace productivity,media --name productivity
restic -r repo snapshots --json >snaps.json
python3 - snaps.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert len(s) == 1, s
assert s[0]["paths"] == ["/resources/productivity.tar"], s[0]["paths"]
assert s[0]["hostname"] == "productivity" and s[0]["tags"] == ["resources"], s[0]
PY
restic -r repo check >/dev/null || fail "restic check failed"
restic -r repo dump latest /resources/productivity.tar >backup.tar
tar -tf backup.tar >entries.txt
grep -qx "metadata/version" entries.txt || fail "no metadata/version"
grep -qx "resources/deployments.apps/namespaces/productivity/paperless.json" entries.txt || fail "no Velero item path"
grep -qx "resources/deployments.apps/v1-preferredversion/namespaces/productivity/paperless.json" entries.txt || fail "no preferred-version path"
grep -qx "resources/persistentvolumes/cluster/pv-paperless-data.json" entries.txt || fail "the PVC's PV is missing"
grep -qx "resources/deployments.apps/namespaces/media/jellyfin.json" entries.txt || fail "media's Deployment is missing"
grep -qx "resources/customresourcedefinitions.apiextensions.k8s.io/cluster/backupplans.homelab.example.org.json" entries.txt \
  || fail "the CRD of the custom resource is missing"

note "delete both namespaces, restore them"
kubectl delete -f "$HOMELAB/backupplan.yaml" >/dev/null
# productivity is still Terminating when the restore starts (a finalizer holds an object of it): the restore
# waits for it to go and then creates it, as Velero's EnsureNamespaceExistsAndIsReady (else: 403 for every item).
kubectl create configmap held -n productivity >/dev/null
kubectl patch configmap held -n productivity --type=merge -p '{"metadata":{"finalizers":["hort.test/hold"]}}' >/dev/null
kubectl delete namespace media >/dev/null
kubectl delete namespace productivity --wait=false >/dev/null
kubectl delete pv pv-paperless-data >/dev/null
[ "$(kubectl get namespace productivity -o jsonpath='{.status.phase}')" = Terminating ] || fail "productivity is not Terminating"
(sleep 3; kubectl patch configmap held -n productivity --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null) &
BG_PIDS+=($!)
expect_rc 0 hort -r repo resources restore latest
snapshot_ns productivity after.json
python3 "$E2E_DIR/kube_normalize.py" --compare before.json after.json || fail "the restored namespace differs"
snapshot_ns media media-after.json
strip_node_ports media-after.json
python3 "$E2E_DIR/kube_normalize.py" --compare media-before.json media-after.json || fail "the restored media namespace differs"
kubectl get pv pv-paperless-data >/dev/null || fail "the PV was not restored"

note "--dry-run under a mapping predicts the real restore and changes nothing"
kubectl get namespaces -o name | sort >ns-before.txt
snapshot_ns productivity dry-prod-before.json && snapshot_ns media dry-media-before.json
kubectl get pv,customresourcedefinitions -o json | python3 "$E2E_DIR/kube_normalize.py" >dry-cluster-before.json
expect_rc 0 hort -r repo resources restore latest --namespace-mappings productivity:productivity-copy --dry-run --json
cp "$WORK/last.out" dry.json
# The text report's counts line says what the dry run would do, as its ACTION column does, and counts as --json does.
expect_rc 0 hort -r repo resources restore latest --namespace-mappings productivity:productivity-copy --dry-run
python3 - dry.json "$WORK/last.out" <<'PY' || fail "dry run's counts line: $(tail -1 "$WORK/last.out")"
import json, sys
counts = json.load(open(sys.argv[1]))["counts"]
last = open(sys.argv[2]).read().splitlines()[-1]
want = ("dry run, nothing written: %d objects: %d would-create, %d unchanged, %d differ, %d would-update, %d skipped, %d failed"
        % (sum(counts.values()), counts.get("would-create", 0), counts.get("unchanged", 0), counts.get("differs", 0),
           counts.get("would-update", 0), counts.get("skipped", 0), counts.get("failed", 0)))
assert counts.get("would-create", 0) > 0, counts
assert last == want, (last, want)
PY
kubectl get namespaces -o name | sort >ns-after.txt
cmp ns-before.txt ns-after.txt || fail "the dry run created a namespace"
# kubectl sees no difference anywhere the restore reaches: the namespaces it restores into and the cluster-scoped objects.
snapshot_ns productivity dry-prod-after.json && snapshot_ns media dry-media-after.json
kubectl get pv,customresourcedefinitions -o json | python3 "$E2E_DIR/kube_normalize.py" >dry-cluster-after.json
for f in prod media cluster; do
  python3 "$E2E_DIR/kube_normalize.py" --compare "dry-$f-before.json" "dry-$f-after.json" || fail "the dry run changed $f"
done
expect_rc 0 hort -r repo resources restore latest --namespace-mappings productivity:productivity-copy --json
cp "$WORK/last.out" real.json
python3 - dry.json real.json <<'PY'
import json, sys
dry, real = (json.load(open(p)) for p in sys.argv[1:3])
WOULD = {"would-create": "created", "would-update": "updated"}
def plan(r, would):
    return sorted((i["resource"], i["namespace"], i["name"], WOULD.get(i["action"], i["action"]) if would else i["action"])
                  for i in r["items"])
assert plan(dry, True) == plan(real, False), (plan(dry, True), plan(real, False))
assert any(i["action"] == "created" for i in real["items"])
PY

note "the mapping moved every object and its references; the original is untouched"
snapshot_ns productivity-copy copy.json
python3 "$E2E_DIR/kube_normalize.py" --compare --map productivity:productivity-copy --new-volumes before.json copy.json \
  || fail "the mapped copy differs"
# The PV still serves the original claim: the copy's claim provisions its own volume, and the report says why.
[ -z "$(kubectl get pvc paperless-data -n productivity-copy -o jsonpath='{.spec.volumeName}')" ] \
  || fail "the copy's claim points at the original's PV"
kubectl get pv pv-paperless-data -o jsonpath='{.spec.claimRef.namespace}/{.spec.claimRef.name}' | grep -qx productivity/paperless-data \
  || fail "the original's PV was taken"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); pv=[i for i in r["items"] if i["resource"]=="persistentvolumes"]; assert [(i["action"], i["message"]) for i in pv]==[("skipped", "exists for productivity/paperless-data: the claim in productivity-copy provisions a new volume")], pv' \
  real.json || fail "the PV's report: $(cat real.json)"
snapshot_ns productivity again.json
python3 "$E2E_DIR/kube_normalize.py" --compare before.json again.json || fail "the original changed"
kubectl get rolebinding paperless-reader -n productivity-copy -o jsonpath='{.subjects[0].namespace}' | grep -qx productivity-copy \
  || fail "RoleBinding subjects were not mapped"

note "moved: with the original and its PV gone, the mapped claim and the PV are restored bound to each other"
kubectl delete namespace productivity >/dev/null
kubectl delete pv pv-paperless-data >/dev/null
expect_rc 0 hort -r repo resources restore latest --namespace-mappings productivity:productivity-moved
snapshot_ns productivity-moved moved.json
python3 "$E2E_DIR/kube_normalize.py" --compare --map productivity:productivity-moved before.json moved.json \
  || fail "the moved namespace differs"
kubectl get pv pv-paperless-data -o jsonpath='{.spec.claimRef.namespace}/{.spec.claimRef.name}' \
  | grep -qx productivity-moved/paperless-data || fail "the PV's claimRef was not mapped"
kubectl get pvc paperless-data -n productivity-moved -o jsonpath='{.spec.volumeName}' | grep -qx pv-paperless-data \
  || fail "the moved claim lost its PV"
note "--cluster names types as kubectl does; an unknown type is refused, a missing object said"
# Only clusterroles.rbac.authorization.k8s.io/NAME worked: clusterrole/NAME, ClusterRole/NAME and unknown
# types backed up nothing with exit 0.
kubectl create clusterrole hort-e2e-reader --verb=get --resource=pods >/dev/null
for spelling in clusterrole ClusterRole clusterroles; do
  expect_rc 0 hort -r repo resources backup --namespace media --name cr --cluster "$spelling/hort-e2e-reader"
  # By ID: "latest" among three backups made within a second is not sure to be this one.
  id=$(sed -n 's/^snapshot \([0-9a-f]*\) saved.*/\1/p' "$WORK/last.out")
  # Listed into a file: grep -q stops reading at the match, and tar's SIGPIPE failed the pipeline (pipefail).
  restic -r repo dump "$id" /resources/cr.tar | tar -t >cr.list
  grep -qx "resources/clusterroles.rbac.authorization.k8s.io/cluster/hort-e2e-reader.json" cr.list ||
    fail "--cluster $spelling/hort-e2e-reader: the ClusterRole is not in the backup"
done
expect_rc 1 hort -r repo resources backup --namespace media --name cr --cluster nosuchkind/x
grep -qx 'Fatal: cluster: the cluster serves no resource "nosuchkind"' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
expect_rc 3 hort -r repo resources backup --namespace media --name cr --cluster pv/no-such-pv
grep -q "error getting persistentvolumes no-such-pv: not found" "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
expect_rc 1 hort -r repo resources backup --namespace media --name UPPER_case
grep -qx "Fatal: --name UPPER_case: an entry name starts its Velero backups' names (<name>-<YYYYMMDDHHMMSS>): a lowercase RFC 1123 subdomain .*" "$WORK/last.err" \
  || fail "an entry name export would refuse: $(cat "$WORK/last.err")"
expect_rc 3 hort -r repo resources backup --namespace no-such-ns --name ghost
grep -Eq '^error: error listing namespaces: context [^ ]+ \(cluster [^ ]+ at [^)]+\): namespaces "no-such-ns" not found$' "$WORK/last.err" \
  || fail "not the line docs/cli.md shows: $(cat "$WORK/last.err")"
echo "resources roundtrip ok"
