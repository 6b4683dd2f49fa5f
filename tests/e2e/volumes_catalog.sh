#!/usr/bin/env bash
# The volumes layer run from the catalog against the test API server: a pvc
# entry resolved PVC → PV → Longhorn volume, its block device read (here an
# ext4 image where HORT_LONGHORN_DEVICE_DIR says Longhorn attaches devices)
# into a Longhorn-format store under the Longhorn volume's name, retention
# and verification; the entry's snapshots job (CSI VolumeSnapshots with the
# catalog's class, kept by the keep rule, a snapshot never ready failing the
# job); a trigger_backup entry asking Longhorn for the backup; a claim on a
# non-CSI volume refused; guard; status and metrics. hort talks to the API as
# a ServiceAccount holding only `hort kube role` of the catalog (RBAC enforced), so the
# permission table covers everything the volumes jobs do.
source "$(dirname "$0")/lib.sh"
start_kube
cd "$WORK"
kubectl apply -f "$E2E_DIR/../volumes/crds/snapshot.storage.k8s.io.yaml" -f "$E2E_DIR/../volumes/crds/longhorn.io.yaml" >/dev/null
wait_for 10 kubectl get volumesnapshots,snapshots.longhorn.io,backups.longhorn.io -A
PAPERLESS=pvc-6f1e2d3c-0000-4000-8000-00000000aa01
JELLYFIN=pvc-6f1e2d3c-0000-4000-8000-00000000bb02

pv_and_claim() {  # NS CLAIM PV CSI-OR-HOSTPATH
  cat <<YAML
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: $3}
spec:
  capacity: {storage: 64Mi}
  accessModes: [ReadWriteOnce]
  claimRef: {namespace: $1, name: $2}
  $4
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $2, namespace: $1}
spec: {accessModes: [ReadWriteOnce], volumeName: $3, resources: {requests: {storage: 64Mi}}}
YAML
}
{
  for ns in productivity media longhorn-system; do printf -- '---\napiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n' "$ns"; done
  pv_and_claim productivity paperless-data "$PAPERLESS" "csi: {driver: driver.longhorn.io, volumeHandle: $PAPERLESS}"
  pv_and_claim media jellyfin "$JELLYFIN" "csi: {driver: driver.longhorn.io, volumeHandle: $JELLYFIN}"
  pv_and_claim media legacy pv-legacy "hostPath: {path: /srv/legacy}"
  cat <<'YAML'
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata: {name: longhorn-snap}
driver: driver.longhorn.io
deletionPolicy: Delete
parameters: {type: snap}
YAML
} >cluster.yaml
kubectl apply -f cluster.yaml >/dev/null
for c in productivity/paperless-data media/jellyfin media/legacy; do
  kubectl patch pvc "${c#*/}" -n "${c%/*}" --subresource=status --type=merge -p '{"status":{"phase":"Bound"}}' >/dev/null
done

# Longhorn's block device of the paperless volume: 64 MiB of ext4 with files.
mkdir -p dev
DEVICE=dev/$PAPERLESS
truncate -s 64M "$DEVICE"
mkfs.ext4 -q -F -b 4096 "$DEVICE"
head -c 3M /dev/urandom >doc.bin
debugfs -w -R "write doc.bin doc.bin" "$DEVICE" >/dev/null 2>&1
export HORT_LONGHORN_DEVICE_DIR=$WORK/dev

cat >hort.yaml <<YAML
kubernetes: {kubeconfig: $WORK/sa.kubeconfig}
volume_stores:
  nas: {url: $WORK/store}
services:
  paperless:
    namespace: productivity
    classification: critical
    rpo: 1d
    volumes:
      - pvc: paperless-data
        store: nas
        schedule: "@daily"
        keep: {last: 2, tags: [pre-upgrade]}
        verify: true
        snapshots: {schedule: "@hourly", keep: {last: 2}, class: longhorn-snap, timeout: 60s}
  media:
    namespace: media
    classification: important
    rpo: 1d
    volumes:
      - {pvc: jellyfin, store: nas, schedule: "@daily", longhorn: {trigger_backup: true}}
      - {pvc: legacy, store: nas, schedule: "@daily"}
YAML
kubectl create namespace backup >/dev/null
kubectl create serviceaccount hort -n backup >/dev/null
hort kube role --config hort.yaml >role.json
kubectl apply -f role.json >/dev/null
kubectl create clusterrolebinding hort --clusterrole=hort --serviceaccount=backup:hort >/dev/null
kubectl create token hort -n backup >sa.token
sa_kubeconfig "$WORK/sa.token" sa.kubeconfig
hort --config hort.yaml config check >check.out || fail "$(cat check.out)"
grep -q "paperless/volumes/paperless-data/snapshots" check.out || fail "no snapshots job: $(cat check.out)"

note "the pvc entry: the claim's Longhorn volume backed up under its own name, three runs, two kept, verified"
for i in 1 2 3; do
  debugfs -w -R "write doc.bin doc$i.bin" "$DEVICE" >/dev/null 2>&1
  hort --config hort.yaml -v run paperless/volumes/paperless-data >run$i.out 2>&1 || fail "run $i: $(cat run$i.out)"
done
grep -q "claim productivity/paperless-data is Longhorn volume $PAPERLESS" run3.out || fail "$(cat run3.out)"
grep -q "incremental backup" run3.out || fail "not incremental: $(cat run3.out)"
grep -q "verify: .* blocks read, every one matches its name" run3.out || fail "no verification: $(cat run3.out)"
grep -q "retention: 1 backups forgotten" run3.out || fail "no retention: $(cat run3.out)"
hort volumes ls --store store --json >ls.json
python3 - ls.json "$PAPERLESS" <<'PY'
import json, sys
vols = {v["name"]: v for v in json.load(open(sys.argv[1]))}
assert list(vols) == [sys.argv[2]], vols.keys()
assert len(vols[sys.argv[2]]["backups"]) == 2, vols[sys.argv[2]]["backups"]
PY
hort volumes restore --store store --volume "$PAPERLESS" --to restored.img >/dev/null
cmp "$DEVICE" restored.img || fail "the restored volume differs from the device"
e2fsck -fn restored.img >fsck.out 2>&1 || fail "e2fsck: $(cat fsck.out)"

note "snapshots: VolumeSnapshots of the claim with the catalog's class, the newest 2 of the series kept"
names=()
for day in 01 02 03; do
  bg_hort snap --config hort.yaml run paperless/volumes/paperless-data/snapshots
  names+=("$(play_ready volumesnapshots productivity "{\"readyToUse\":true,\"creationTime\":\"2026-11-${day}T03:00:00Z\"}")")
  finish 0 snap
done
n=${names[2]}
[ "$(kubectl get vs "$n" -n productivity -o jsonpath='{.spec.source.persistentVolumeClaimName}')" = paperless-data ] || fail "source"
[ "$(kubectl get vs "$n" -n productivity -o jsonpath='{.spec.volumeSnapshotClassName}')" = longhorn-snap ] || fail "class"
kubectl get vs -n productivity -l hort.dev/series=paperless.paperless-data -o name | sed 's#.*/##' | sort >kept.txt
printf '%s\n' "${names[1]}" "${names[2]}" | sort >want.txt
diff want.txt kept.txt || fail "the keep rule did not leave the newest 2"

note "a snapshot the controller never marks ready: the job fails after the entry's timeout with a clear line"
sed 's/timeout: 60s/timeout: 3s/' hort.yaml >hort-3s.yaml  # one state file: the failure shows in status below
expect_rc 1 hort --config hort-3s.yaml run paperless/volumes/paperless-data/snapshots
grep -q "is not readyToUse after 3 s; hort deleted it" "$WORK/last.out" "$WORK/last.err" || fail "no timeout line: $(cat "$WORK/last.out" "$WORK/last.err")"
[ "$(unready volumesnapshots productivity | wc -l)" = 0 ] || fail "the never-ready snapshot was left behind"

note "trigger_backup: Longhorn asked through a Snapshot CR and a Backup CR, followed to Completed"
bg_hort lhb --config hort.yaml -v run media/volumes/jellyfin
snap=$(play_backup Completed '{"state":"Completed","progress":100,"url":"nfs://nas/?backup=x","size":"1048576"}')
finish 0 lhb
[ "$(kubectl get lhb "$snap" -n longhorn-system -o jsonpath='{.spec.snapshotName}')" = "$snap" ] || fail "Backup spec"
[ "$(kubectl get lhsnap "$snap" -n longhorn-system -o jsonpath='{.spec.volume}')" = "$JELLYFIN" ] || fail "Snapshot volume"
grep -q "Longhorn backed up volume $JELLYFIN as $snap (Completed)" "$WORK/lhb.err" || fail "$(cat "$WORK/lhb.err")"
bg_hort lhb2 --config hort.yaml -v run media/volumes/jellyfin
snap2=$(play_backup Completed '{"state":"Completed","progress":100,"url":"nfs://nas/?backup=y","size":"1048576"}')
finish 0 lhb2
[ "$(kubectl get lhsnap -n longhorn-system -l hort.dev/series=media.jellyfin.backup -o name)" = "snapshot.longhorn.io/$snap2" ] \
  || fail "the older backup snapshot $snap was not pruned: $(kubectl get lhsnap -n longhorn-system -o name)"

note "a claim on a volume that is not CSI: the job fails naming it"
expect_rc 1 hort --config hort.yaml run media/volumes/legacy
grep -q "PersistentVolumeClaim media/legacy is bound to PersistentVolume pv-legacy, which is not a CSI volume" "$WORK/last.out" "$WORK/last.err" \
  || fail "$(cat "$WORK/last.out" "$WORK/last.err")"

note "guard: a tagged volume backup without retention; keep.tags keeps it through the next scheduled runs"
hort --config hort.yaml guard pre-upgrade --service paperless >/dev/null
count() { hort volumes ls --store store --volume "$PAPERLESS" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["backups"]))'; }
[ "$(count)" = 3 ] || fail "guard ran retention or made no backup"
hort --config hort.yaml run paperless/volumes/paperless-data >/dev/null
hort --config hort.yaml run paperless/volumes/paperless-data >/dev/null
[ "$(count)" = 3 ] || fail "after two more runs: the last 2 and the pre-upgrade backup should stay, got $(count)"
hort volumes forget --store store --volume "$PAPERLESS" --keep-tag pre-upgrade --dry-run --json >tags.json
python3 - tags.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
kept = [x for x in d["decisions"] if x["keep"]]
assert len(kept) == 1, d
PY

note "status and metrics"
hort --config hort.yaml status --json | python3 -c '
import json, sys
st = {j["job"]: j["status"] for j in json.load(sys.stdin)["jobs"]}
assert st["paperless/volumes/paperless-data"] == "OK" and st["media/volumes/jellyfin"] == "OK", st
assert st["paperless/volumes/paperless-data/snapshots"] == "FAILED" and st["media/volumes/legacy"] == "FAILED", st'
expect_rc 0 hort --config hort.yaml status  # failed snapshots are shown, but only backups decide exit 4
grep -Eq "^paperless +volumes +paperless-data snapshots +critical +FAILED" "$WORK/last.out" || fail "status: $(cat "$WORK/last.out")"
grep -Eq "^paperless +volumes +paperless-data +critical +OK" "$WORK/last.out" || fail "status: $(cat "$WORK/last.out")"
hort --config hort.yaml report --json | python3 -c '
import json, sys
rows = {s["service"]: s for s in json.load(sys.stdin)["services"]}
p = rows["paperless"]
assert p["volumes"] is not None and p["volume_stores"] == ["nas"], p
assert "paperless-data snapshots FAILED" in p["problems"], p'
hort --config hort.yaml metrics --textfile hort.prom
grep -q "^hort_volume_backups{store=\"nas\",volume=\"$PAPERLESS\",service=\"paperless\",entry=\"paperless-data\",classification=\"critical\"} 3$" hort.prom \
  || fail "hort_volume_backups: $(grep hort_volume_backups hort.prom)"
grep -q '^hort_volume_snapshot_last_status{service="paperless",namespace="productivity",entry="paperless-data",classification="critical"} 0$' hort.prom \
  || fail "snapshot status: $(grep hort_volume_snapshot hort.prom)"
promtool check metrics <hort.prom
echo "volumes catalog ok"
