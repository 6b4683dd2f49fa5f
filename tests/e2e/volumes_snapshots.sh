#!/usr/bin/env bash
# hort volumes snapshot | longhorn-backup against the test API server with the
# CSI snapshot and Longhorn CRDs installed; the test plays snapshot-controller
# and Longhorn with `kubectl patch --subresource=status`. Checks the objects'
# specs as kubectl sees them, the keep rule (exactly the newest N of the series
# stay, unrelated snapshots untouched), a snapshot never ready (timeout: exit 1,
# one line with status.error, the snapshot deleted), SIGTERM (exit 130, deleted),
# the Longhorn Snapshot CR variant, and a Longhorn backup followed to Completed
# and to Error.
source "$(dirname "$0")/lib.sh"
start_kube
cd "$WORK"
CRDS="$E2E_DIR/../volumes/crds"
SERIES=media.jellyfin

kubectl apply -f "$CRDS/snapshot.storage.k8s.io.yaml" -f "$CRDS/longhorn.io.yaml" >/dev/null
wait_for 10 kubectl get volumesnapshots,snapshots.longhorn.io,backups.longhorn.io -A
cat >cluster.yaml <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: media}
---
apiVersion: v1
kind: Namespace
metadata: {name: longhorn-system}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pvc-0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: longhorn
  claimRef: {namespace: media, name: jellyfin}
  csi: {driver: driver.longhorn.io, volumeHandle: pvc-0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5, fsType: ext4}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: jellyfin, namespace: media}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: longhorn
  volumeName: pvc-0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5
  resources: {requests: {storage: 10Gi}}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata: {name: longhorn-snap}
driver: driver.longhorn.io
deletionPolicy: Delete
parameters: {type: snap}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: before-upgrade, namespace: media}
spec: {source: {persistentVolumeClaimName: jellyfin}}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: other-series, namespace: media, labels: {hort.dev/series: media.other}}
spec: {source: {persistentVolumeClaimName: jellyfin}}
YAML
kubectl apply -f cluster.yaml >/dev/null
kubectl patch pvc jellyfin -n media --subresource=status --type=merge -p '{"status":{"phase":"Bound"}}' >/dev/null
for s in before-upgrade other-series; do  # ready, and older than anything hort takes
  kubectl patch vs "$s" -n media --subresource=status --type=merge \
    -p '{"status":{"readyToUse":true,"creationTime":"2026-01-01T00:00:00Z"}}' >/dev/null
done
VOLUME=pvc-0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5

# one_fatal OUT: exactly one "Fatal:" line among OUT's progress lines on stderr.
one_fatal() { [ "$(grep -c '^Fatal: ' "$WORK/$1.err")" = 1 ] || { cat "$WORK/$1.err" >&2; fail "expected one Fatal line"; }; }
label() { kubectl get "$1" "$2" -n "$3" -o jsonpath='{.metadata.labels.hort\.dev/series}'; }

note "a CSI VolumeSnapshot: spec as kubectl sees it, ready after the controller's status patch"
bg_hort snap volumes snapshot --pvc jellyfin -n media --class longhorn-snap --keep-last 2 --json
name=$(play_ready volumesnapshots media '{"readyToUse":true,"restoreSize":"10Gi","creationTime":"2026-11-01T03:00:00Z"}')
finish 0 snap
[[ "$name" =~ ^jellyfin-hort-[0-9]{14}$ ]] || fail "unexpected name $name"
python3 - "$WORK/snap.out" "$name" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["kind"] == "VolumeSnapshot" and j["namespace"] == "media" and j["name"] == sys.argv[2], j
assert j["restore_size"] == 10 * 2**30 and j["series"] == "media.jellyfin" and j["deleted"] == [], j
PY
[ "$(kubectl get vs "$name" -n media -o jsonpath='{.spec.source.persistentVolumeClaimName}')" = jellyfin ] || fail "source PVC"
[ "$(kubectl get vs "$name" -n media -o jsonpath='{.spec.volumeSnapshotClassName}')" = longhorn-snap ] || fail "class"
[ "$(label vs "$name" media)" = "$SERIES" ] || fail "series label"
grep -q "created VolumeSnapshot media/$name of PVC media/jellyfin" "$WORK/snap.err" || fail "no progress line: $(cat "$WORK/snap.err")"

note "three more runs with --keep-last 2: the newest two of the series stay, nothing else is touched"
names=("$name")
for day in 02 03 04; do
  bg_hort snap volumes snapshot --pvc jellyfin -n media --class longhorn-snap --keep-last 2
  names+=("$(play_ready volumesnapshots media "{\"readyToUse\":true,\"creationTime\":\"2026-11-${day}T03:00:00Z\"}")")
  finish 0 snap
done
[ "${#names[@]}" = 4 ] && [ "$(printf '%s\n' "${names[@]}" | sort -u | wc -l)" = 4 ] || fail "names not unique: ${names[*]}"
kubectl get vs -n media -l "hort.dev/series=$SERIES" -o name | sed 's#.*/##' | sort >series.txt
printf '%s\n' "${names[2]}" "${names[3]}" | sort >want.txt
diff want.txt series.txt || fail "the series is not exactly the newest 2"
kubectl get vs before-upgrade other-series -n media >/dev/null || fail "an unrelated snapshot was deleted"
grep -q "^deleted VolumeSnapshot media/${names[1]} (series $SERIES)" "$WORK/snap.out" \
  || fail "the last run did not report its deletion: $(cat "$WORK/snap.out")"

note "never ready: exit 1 after --timeout, one line naming the object, timeout and status.error; deleted"
bg_hort late volumes snapshot --pvc jellyfin -n media --timeout 12s  # long enough for kubectl to play the controller on a loaded machine
late=$(play_ready volumesnapshots media '{"readyToUse":false,"error":{"message":"Failed to create snapshot: driver.longhorn.io unreachable"}}')
finish 1 late
one_fatal late
grep -q "^Fatal: VolumeSnapshot media/$late is not readyToUse after 12 s (status.error: Failed to create snapshot: driver.longhorn.io unreachable); hort deleted it" \
  "$WORK/late.err" || fail "timeout message: $(cat "$WORK/late.err")"
! kubectl get vs "$late" -n media >/dev/null 2>&1 || fail "the never-ready snapshot is still there"

note "SIGTERM while waiting: exit 130, the snapshot deleted"
bg_hort term volumes snapshot --pvc jellyfin -n media
wait_for 10 sh -c "kubectl get vs -n media -o name | grep -q jellyfin-hort- && [ \$(kubectl get vs -n media -o name | wc -l) -gt 4 ]"
kill -TERM "$PID"
finish 130 term
[ "$(kubectl get vs -n media -o name | wc -l)" = 4 ] || fail "the interrupted snapshot is still there"

note "a Longhorn Snapshot CR of the PVC's volume"
bg_hort lh volumes snapshot --pvc jellyfin -n media --longhorn --keep-last 1
lh=$(play_ready snapshots.longhorn.io longhorn-system '{"readyToUse":true,"restoreSize":10737418240,"creationTime":"2026-11-05T03:00:00Z"}')
finish 0 lh
[ "$(kubectl get lhsnap "$lh" -n longhorn-system -o jsonpath='{.spec.volume}')" = "$VOLUME" ] || fail "Longhorn snapshot volume"
[ "$(kubectl get lhsnap "$lh" -n longhorn-system -o jsonpath='{.spec.createSnapshot}')" = true ] || fail "createSnapshot"
[ "$(kubectl get lhsnap "$lh" -n longhorn-system -o jsonpath='{.spec.labels.hort\.dev/series}')" = "$SERIES" ] || fail "spec.labels"
[ "$(label lhsnap "$lh" longhorn-system)" = "$SERIES" ] || fail "Longhorn snapshot series label"

note "longhorn-backup followed to Completed"
bg_hort lhb volumes longhorn-backup --pvc jellyfin -n media --json
snap=$(play_backup Completed '{"state":"Completed","progress":100,"url":"s3://backups@us-east-1/?backup=b&volume=v","size":"4194304"}')
finish 0 lhb
[ "$(kubectl get lhb "$snap" -n longhorn-system -o jsonpath='{.spec.snapshotName}')" = "$snap" ] || fail "Backup spec.snapshotName"
[ "$(label lhb "$snap" longhorn-system)" = "$SERIES.backup" ] || fail "Backup series label"
python3 - "$WORK/lhb.out" "$snap" "$VOLUME" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["state"] == "Completed" and j["snapshot"] == sys.argv[2] and j["backup"] == sys.argv[2], j
assert j["volume"] == sys.argv[3] and j["size"] == 4194304 and j["url"].startswith("s3://backups"), j
PY
grep -q "state InProgress" "$WORK/lhb.err" || fail "the InProgress state was not followed: $(cat "$WORK/lhb.err")"

note "longhorn-backup followed to Error: exit 1 with status.error"
bg_hort lhe volumes longhorn-backup --pvc jellyfin -n media
snap=$(play_backup Error '{"state":"Error","error":"failed to get backup target default: connection refused"}')
finish 1 lhe
one_fatal lhe
grep -q "^Fatal: Backup longhorn-system/$snap failed: state Error, status.error: failed to get backup target default: connection refused" \
  "$WORK/lhe.err" || fail "error message: $(cat "$WORK/lhe.err")"

note "bad input: a missing PVC and --class with --longhorn are exit 1 before anything is created"
expect_rc 1 hort volumes snapshot --pvc nope -n media
grep -q "^Fatal: PersistentVolumeClaim media/nope not found" "$WORK/last.err" || fail "missing PVC: $(cat "$WORK/last.err")"
expect_rc 1 hort volumes snapshot --pvc jellyfin -n media --longhorn --class x
echo "volumes snapshots ok"
