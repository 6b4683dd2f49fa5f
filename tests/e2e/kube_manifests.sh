#!/usr/bin/env bash
# hort kube manifests against the test API server with RBAC enforced: the
# rendered objects (and their kustomization) are applied with kubectl as the
# admin; then hort, holding only the ServiceAccount's token and the rendered
# roles, runs every job type of a homelab-shaped catalog — a files pvc entry
# through hort agent (the agent on the test server's simulated node, a
# holder Job mounting the claim) and a restore into a new claim included —
# without a single 403, and `hort kube check` names the rule taken out of the
# ClusterRole, then the one taken out of the Role. No secret value is ever in
# the manifests; bad input gives one line and exit 1.
source "$(dirname "$0")/lib.sh"
MAKE_VELERO=$E2E_DIR/../kube/make_velero_backup.py
cd "$WORK"
mkdir -p node-a pvcs/productivity/paperless-media bin
ln -s "$HORT" bin/hort  # the holder Job's command, found on the test server's PATH
export PATH="$WORK/bin:$PATH" POD_NAMESPACE=hort HORT_IMAGE=localhost/hort:e2e
start_kube --nodes "node-a=$WORK/node-a" --pvc-root "$WORK/pvcs"
gen_tree pvcs/productivity/paperless-media --files 30 --seed 7 >/dev/null

note "the cluster: the homelab's productivity namespace, a Longhorn claim in media, the CRDs the manifests and jobs use"
kubectl apply -f "$E2E_DIR/../volumes/crds/snapshot.storage.k8s.io.yaml" -f "$E2E_DIR/../volumes/crds/longhorn.io.yaml" >/dev/null
for kind in ServiceMonitor PrometheusRule; do
  plural=$(echo "${kind}s" | tr A-Z a-z)
  cat <<YAML
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: $plural.monitoring.coreos.com}
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {plural: $plural, singular: $(echo "$kind" | tr A-Z a-z), kind: $kind, listKind: ${kind}List}
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]
YAML
done >monitoring-crds.yaml
kubectl apply -f monitoring-crds.yaml >/dev/null
wait_for 10 kubectl get volumesnapshots,servicemonitors,prometheusrules -A
apply_homelab crd productivity
# A claim the provisioner stand-in binds, mounted by no pod: the agent's files job goes through a holder Job.
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: paperless-media, namespace: productivity}
spec: {accessModes: [ReadWriteOnce], storageClassName: local, resources: {requests: {storage: 1Gi}}}
YAML
PHOTOS=pvc-6f1e2d3c-0000-4000-8000-00000000cc03
cat >media.yaml <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: media}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: $PHOTOS}
spec:
  capacity: {storage: 64Mi}
  accessModes: [ReadWriteOnce]
  claimRef: {namespace: media, name: photos-data}
  csi: {driver: driver.longhorn.io, volumeHandle: $PHOTOS}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: photos-data, namespace: media}
spec: {accessModes: [ReadWriteOnce], volumeName: $PHOTOS, resources: {requests: {storage: 64Mi}}}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata: {name: longhorn-snap}
driver: driver.longhorn.io
deletionPolicy: Delete
---
apiVersion: v1
kind: Pod
metadata: {name: paperless-db-0, namespace: productivity, labels: {app: paperless-db}}
spec: {containers: [{name: postgres, image: postgres:16}]}
YAML
kubectl apply -f media.yaml >/dev/null
kubectl patch pvc photos-data -n media --subresource=status --type=merge -p '{"status":{"phase":"Bound"}}' >/dev/null
wait_for 10 sh -c '[ "$(kubectl get pod paperless-db-0 -n productivity -o jsonpath={.status.phase})" = Running ]'
sqlite3 "$KUBE_DIR/state/containers/productivity/paperless-db-0/postgres/app.db" "create table docs(t text); insert into docs values ('invoice');"
# Longhorn's block device of the photos volume (HORT_LONGHORN_DEVICE_DIR: where Longhorn attaches it).
mkdir -p dev
truncate -s 64M "dev/$PHOTOS"
mkfs.ext4 -q -F -b 4096 "dev/$PHOTOS"
export HORT_LONGHORN_DEVICE_DIR=$WORK/dev
python3 "$MAKE_VELERO" bsl daily-20261203020000 >/dev/null

note "the catalog: examples/homelab.yaml's shape, local repositories, two secret files"
mkdir -p secrets
printf 'e2e-password' >secrets/primary.password
VELERO_SECRET=velero-secret-value-never-rendered
printf '[velero]\naws_access_key_id = AKIAVELEROEXAMPLE\naws_secret_access_key = %s\n' "$VELERO_SECRET" >secrets/velero-credentials
hort init -r repo -q
catalog() {  # STATE WORK_DIR [KUBERNETES LINE]
  cat <<YAML
state: $1
work_dir: $2
${3:-}
serve: {listen: "0.0.0.0:9464"}
defaults: {repository: primary, schedule: "@daily"}
repositories:
  primary: {url: $WORK/repo, password_file: $WORK/secrets/primary.password}
volume_stores:
  nas: {url: $WORK/store}
services:
  paperless:
    namespace: productivity
    classification: critical
    rpo: 1d
    files:
      - pvc: paperless-media         # through hort agent (a claim nobody mounts: a holder Job mounts it)
      - name: db
        dump: {pod: "app=paperless-db", container: postgres, command: [sqlite3, app.db, .dump], extension: .sql}
    resources:
      - {name: manifests, exclude: [events, events.events.k8s.io]}
  photos:
    namespace: media
    classification: important
    rpo: 1d
    volumes:
      - pvc: photos-data
        store: nas
        snapshots: {schedule: "@hourly", keep: {last: 2}, class: longhorn-snap, timeout: 60s}
velero:
  locations:
    nas: {url: $WORK/bsl, credentials: {file: $WORK/secrets/velero-credentials, profile: velero}}
  verify: {schedule: "@daily", level: 5}
tests:
  BT-LH-01: {type: volume, scope: photos, every: 3mo, responsible: alice}
  BT-VL-01:
    type: resources
    scope: paperless
    every: 6mo
    responsible: bob
    validate: {expect: [Deployment/paperless, ConfigMap/paperless-env], ready_timeout: 5s}
YAML
}
catalog /var/lib/hort/state.sqlite /var/lib/hort/work >incluster.yaml
catalog "$WORK/state.sqlite" "$WORK/work" "kubernetes: {kubeconfig: $WORK/sa.kubeconfig}" >local.yaml

note "bad input: one line, exit 1"
catalog /srv/hort/state.sqlite /var/lib/hort/work >outside.yaml
expect_rc 1 hort kube manifests --config outside.yaml
one_line "$WORK/last.err"
grep -q "^Fatal: state /srv/hort/state.sqlite is not under /var/lib/hort" "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
expect_rc 1 hort kube manifests --config incluster.yaml --imgae x
grep -q "imgae" "$WORK/last.err" || fail "unknown flag not named: $(cat "$WORK/last.err")"
# An image no kubelet can pull was rendered into every pod (ImagePullBackOff in the cluster).
expect_rc 1 hort kube manifests --config incluster.yaml --image "Ghcr.io/Example/Hort:1.2 "
one_line "$WORK/last.err"
grep -q '^Fatal: --image: "Ghcr.io/Example/Hort:1.2 " is not an image reference' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
# A namespace the API would refuse every object in was rendered.
expect_rc 1 hort kube manifests --config incluster.yaml --namespace Bad_NS
one_line "$WORK/last.err"
grep -q '^Fatal: --namespace: "Bad_NS" is not a namespace name' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
expect_rc 1 hort kube role --namespace Bad_NS
grep -q '^Fatal: --namespace: "Bad_NS" is not a namespace name' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"

note "render and apply as the admin; the Secret from the printed command"
expect_rc 0 hort kube manifests --config incluster.yaml --image localhost/hort:e2e
cp "$WORK/last.out" all.yaml
for secret in e2e-password "$VELERO_SECRET" AKIAVELEROEXAMPLE; do
  ! grep -qF "$secret" all.yaml "$WORK/last.err" || fail "a secret value is in the manifests"
done
create=$(grep "^  kubectl -n hort create secret generic hort-secrets " "$WORK/last.err") || fail "no secret command: $(cat "$WORK/last.err")"
[ "$create" = "  kubectl -n hort create secret generic hort-secrets --from-file=primary.password=$WORK/secrets/primary.password --from-file=velero-credentials=$WORK/secrets/velero-credentials" ] \
  || fail "secret command: $create"
kubectl apply -f all.yaml >apply.out
for o in namespace/hort serviceaccount/hort clusterrole.rbac.authorization.k8s.io/hort role.rbac.authorization.k8s.io/hort \
  configmap/hort-catalog persistentvolumeclaim/hort-state deployment.apps/hort daemonset.apps/hort-agent service/hort \
  servicemonitor.monitoring.coreos.com/hort prometheusrule.monitoring.coreos.com/hort; do
  grep -q "^$o created" apply.out || fail "$o not created: $(cat apply.out)"
done
eval "$create" >/dev/null
kubectl -n hort get configmap hort-catalog -o jsonpath='{.data.hort\.yaml}' >catalog-back.yaml
cmp incluster.yaml catalog-back.yaml || fail "the ConfigMap does not hold the catalog verbatim"
[ "$(kubectl -n hort get deploy hort -o jsonpath='{.spec.strategy.type}/{.spec.replicas}')" = Recreate/1 ] || fail "deployment"
kubectl -n hort get deploy hort -o json | python3 -c '
import json, sys
pod = json.load(sys.stdin)["spec"]["template"]["spec"]
c = pod["containers"][0]
mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
assert mounts[sys.argv[1]]["subPath"] == "primary.password", mounts
assert c["securityContext"]["readOnlyRootFilesystem"] is True and pod["securityContext"]["runAsUser"] == 65532
assert {e["name"]: e.get("value") for e in c["env"]}["HORT_IMAGE"] == "localhost/hort:e2e"' "$WORK/secrets/primary.password"
[ "$(kubectl -n hort get prometheusrule hort -o jsonpath='{.spec.groups[0].rules[0].alert}')" = HortBackupFailed ] || fail "rules"

note "the --output-dir form: kubectl apply -k changes nothing"
expect_rc 0 hort kube manifests --config incluster.yaml --image localhost/hort:e2e --output-dir out
[ -f out/kustomization.yaml ] && [ -f out/deployment-hort.yaml ] && [ -f out/daemonset-hort-agent.yaml ] || fail "$(ls out)"
kubectl apply -k out >applyk.out
! grep -v " unchanged$" applyk.out | grep -v " configured$" | grep -q . || fail "apply -k: $(cat applyk.out)"
[ "$(grep -c . applyk.out)" = "$(grep -c '^kind: ' all.yaml)" ] || fail "apply -k applied another set: $(cat applyk.out)"
# A file an earlier render listed and this one does not make goes (kubectl apply -f out would apply it); others stay.
cp out/deployment-hort.yaml out/cronjob-retired.yaml
sed -i 's/^resources:$/resources:\n- cronjob-retired.yaml/' out/kustomization.yaml
echo "kind: ConfigMap" >out/mine.yaml
expect_rc 0 hort kube manifests --config incluster.yaml --image localhost/hort:e2e --output-dir out
grep -q "^removed cronjob-retired.yaml (the catalog no longer makes it)$" "$WORK/last.out" || fail "stale file: $(cat "$WORK/last.out")"
[ ! -e out/cronjob-retired.yaml ] && [ -e out/mine.yaml ] && [ -e out/deployment-hort.yaml ] || fail "after the second render: $(ls out)"
# A kustomization folder hort did not write keeps every file it lists.
mkdir -p theirs && printf 'resources:\n- deployment-app.yaml\n' >theirs/kustomization.yaml && echo "kind: Deployment" >theirs/deployment-app.yaml
expect_rc 0 hort kube manifests --config incluster.yaml --image localhost/hort:e2e --output-dir theirs
[ -e theirs/deployment-app.yaml ] || fail "a file of the user's own kustomization was removed"

note "hort with only the ServiceAccount's token"
kubectl -n hort create token hort >sa.token
sa_kubeconfig "$WORK/sa.token" sa.kubeconfig
sed -i 's/namespace: backup}/namespace: hort}/' sa.kubeconfig
expect_rc 0 hort kube check --config local.yaml
grep -q "^user: *system:serviceaccount:hort:hort" "$WORK/last.out" || fail "identity: $(cat "$WORK/last.out")"
grep -Eq "^update +leases.coordination.k8s.io +namespace hort +yes" "$WORK/last.out" || fail "lease row: $(cat "$WORK/last.out")"
cp "$WORK/last.out" check.out

note "every job type, the agent's included, each without a 403"
run_ok() {  # NAME CMD…: runs hort, fails on a non-zero exit or any forbidden request
  local name=$1; shift
  "$HORT" --config local.yaml "$@" >"$name.out" 2>&1 || fail "$*: $(cat "$name.out")"
}
run_ok dump run paperless/files/db
run_ok resources run paperless/resources/manifests
run_ok volumes run photos/volumes/photos-data
bg_hort snap --config local.yaml run photos/volumes/photos-data/snapshots
play_ready volumesnapshots media '{"readyToUse":true,"creationTime":"2026-12-04T03:00:00Z"}' >/dev/null
finish 0 snap
run_ok velero run velero/nas
run_ok bt-vl test run BT-VL-01
run_ok bt-lh test run BT-LH-01
# The agent as the DaemonSet would run it on node-a, with the same token.
"$HORT" --config local.yaml agent --node node-a --name hort-agent-a --kubelet-root "$WORK/node-a" --poll 1s >agent.log 2>&1 &
BG_PIDS+=("$!")
disown "$!"
run_ok files run paperless/files/paperless-media
run_ok topvc restore latest --host productivity --path /data/paperless-media --to-pvc productivity/paperless-copy \
  --create --size 1Gi --storage-class local
treecmp pvcs/productivity/paperless-media pvcs/productivity/paperless-copy
# kube's 403 always says "forbidden"; "HTTP 403" is how hort names one otherwise (ids may hold the digits 403).
! grep -iE "forbidden|HTTP 403" ./*.out snap.err agent.log || fail "a request was forbidden"
restic -r repo snapshots --json | python3 -c '
import json, sys
paths = sorted(p for s in json.load(sys.stdin) for p in s["paths"])
assert paths == ["/data/paperless-media", "/productivity-postgres.sql", "/resources/manifests.tar"], paths'

note "one rule less in the ClusterRole: kube check names exactly it"
# The namespaces rule: its get is also granted by the resources layer's wildcard, its delete by nothing else.
ns_rule=$(kubectl get clusterrole hort -o json | python3 -c '
import json, sys
print([i for i, r in enumerate(json.load(sys.stdin)["rules"]) if r["resources"] == ["namespaces"]][0])')
kubectl patch clusterrole hort --type=json -p "[{\"op\":\"remove\",\"path\":\"/rules/$ns_rule\"}]" >/dev/null
expect_rc 1 hort kube check --config local.yaml
[ "$(grep -c '^missing: ' "$WORK/last.out")" = 1 ] || fail "expected one missing permission: $(cat "$WORK/last.out")"
grep -q "^missing: delete namespaces (all namespaces) — needed for BT-VL-01" "$WORK/last.out" || fail "$(cat "$WORK/last.out")"
one_line "$WORK/last.err"

note "the Role's rule removed: the Lease permissions in hort's namespace are named"
kubectl apply -f all.yaml >/dev/null
expect_rc 0 hort kube check --config local.yaml
kubectl patch role hort -n hort --type=json -p '[{"op":"remove","path":"/rules/0"}]' >/dev/null
expect_rc 1 hort kube check --config local.yaml
# create, get and list of every kind are the resources layer's too; update and delete only the Role's.
[ "$(grep -c '^missing: ' "$WORK/last.out")" = 2 ] || fail "expected two lease permissions: $(cat "$WORK/last.out")"
for verb in update delete; do
  grep -q "^missing: $verb leases.coordination.k8s.io (namespace hort)" "$WORK/last.out" || fail "$verb leases: $(cat "$WORK/last.out")"
done
echo "kube manifests ok"
