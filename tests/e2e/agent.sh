#!/usr/bin/env bash
# hort agent against the test API server with two simulated nodes (each a
# folder standing for its kubelet root, tests/kube/README.md "Stand-ins"):
# serve's side (`hort run`) leaves a task Lease for the node whose running pod
# mounts the claim; that node's agent reads the claim under the kubelet's
# pod-volume folder and writes the snapshot with K8up's identity (host =
# namespace, /data/<pvc>), which restic lists; a pod moving to the other node
# moves the next backup to the other agent; a claim mounted nowhere is
# mounted by a holder Job (the server runs `hort agent hold` as a process);
# `hort restore --to-pvc --create` round-trips the files into a new claim,
# refuses a size kube would refuse or a missing image before it makes the
# claim, and deletes the claim it made when the agent's restore then fails.
# Bad input: a claim that does not exist, a node whose kubelet folder is not
# mounted into its agent, two agents on one node — each a clear status, no
# lost or doubled snapshot. Everything runs as the ServiceAccount holding
# only `hort kube role --config`.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir -p node-a node-b pvcs bin
ln -s "$HORT" bin/hort  # the holder Job's command, found on the server's PATH
export PATH="$WORK/bin:$PATH"
start_kube --nodes "node-a=$WORK/node-a,node-b=$WORK/node-b" --pvc-root "$WORK/pvcs"
export POD_NAMESPACE=hort HORT_IMAGE=localhost/hort:e2e

claim() {  # NS NAME
  printf -- '---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: %s, namespace: %s}\nspec: {accessModes: [ReadWriteOnce], storageClassName: local, resources: {requests: {storage: 1Gi}}}\n' "$2" "$1"
}
pod() {  # NS NAME NODE CLAIM
  printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: %s}\nspec:\n  nodeName: %s\n  containers: [{name: app, image: busybox, volumeMounts: [{name: d, mountPath: /d}]}]\n  volumes: [{name: d, persistentVolumeClaim: {claimName: %s}}]\n' "$2" "$1" "$3" "$4"
}
{
  for ns in hort media productivity; do printf -- '---\napiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n' "$ns"; done
  # node-a and node-b are the server's simulated nodes; node-c is a node it does not simulate.
  printf -- '---\napiVersion: v1\nkind: Node\nmetadata: {name: node-c, labels: {kubernetes.io/hostname: node-c}}\n'
  claim media config
  claim productivity docs
  claim productivity archive
  claim productivity scratch
  # A hostPath volume (what k3s' local-path provisioner makes): the kubelet does not mount it under the pod.
  printf -- '---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv-legacy}\nspec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /srv/legacy}, claimRef: {namespace: media, name: legacy}}\n'
  printf -- '---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: legacy, namespace: media}\nspec: {accessModes: [ReadWriteOnce], storageClassName: "", volumeName: pv-legacy, resources: {requests: {storage: 1Gi}}}\n'
} >cluster.yaml
kubectl apply -f cluster.yaml >/dev/null
for c in media/config productivity/docs productivity/archive productivity/scratch; do
  wait_for 10 sh -c "[ \"\$(kubectl get pvc ${c#*/} -n ${c%/*} -o jsonpath='{.status.phase}')\" = Bound ]"
done
gen_tree pvcs/media/config --files 40 --seed 1 >/dev/null
gen_tree pvcs/productivity/docs --files 30 --seed 2 >/dev/null
gen_tree pvcs/productivity/archive --files 20 --seed 3 >/dev/null
{ pod media web node-a config; pod productivity app node-b docs; pod productivity odd node-c scratch; pod media old node-a legacy; } | kubectl apply -f - >/dev/null
# node-c is not simulated: its pod is played Running, but no agent there has its kubelet folder.
kubectl patch pod odd -n productivity --subresource=status --type=merge -p '{"status":{"phase":"Running"}}' >/dev/null

cat >hort.yaml <<YAML
kubernetes: {kubeconfig: $WORK/sa.kubeconfig}
state: $WORK/state.sqlite
repositories:
  main: {url: $WORK/repo, password_env: HORT_PASSWORD}
services:
  overseerr:
    namespace: media
    classification: important
    rpo: 1d
    files:
      - {pvc: config, schedule: "@daily", repository: main}
  legacy:
    namespace: media
    classification: best-effort
    rpo: 7d
    files:
      - {pvc: legacy, schedule: "@daily", repository: main}
  paperless:
    namespace: productivity
    classification: critical
    rpo: 1d
    files:
      - {pvc: docs, schedule: "@daily", repository: main}
      - {pvc: archive, schedule: "@daily", repository: main}
      - {pvc: scratch, schedule: "@daily", repository: main}
      - {pvc: missing, schedule: "@daily", repository: main}
tests:
  BT-K8-01:
    type: files
    scope: overseerr
    every: 3mo
    scratch_pvc: {size: 1Gi, storage_class: local}
    validate: {min_files: 10}
YAML
hort init -r "$WORK/repo" -q
kubectl create serviceaccount hort -n hort >/dev/null
# The ClusterRole and the Role in hort's namespace, as one v1 List; kubectl
# validates a List against /openapi/v2, which the test server does not serve,
# so its items are applied as a stream of documents.
hort kube role --config hort.yaml --namespace hort >role.json
python3 -c 'import json, sys; [print("---\n" + json.dumps(i)) for i in json.load(sys.stdin)["items"]]' <role.json | kubectl apply -f - >/dev/null
kubectl create clusterrolebinding hort --clusterrole=hort --serviceaccount=hort:hort >/dev/null
kubectl create rolebinding hort -n hort --role=hort --serviceaccount=hort:hort >/dev/null
kubectl create token hort -n hort >sa.token
sa_kubeconfig "$WORK/sa.token" sa.kubeconfig
hort kube check --config hort.yaml >check.out || { cat check.out; fail "the rendered role lacks a permission the agent needs"; }

agent() {  # NAME NODE KUBELET-ROOT
  "$HORT" agent --config hort.yaml --name "$1" --node "$2" --kubelet-root "$3" --poll 1s >"$1.log" 2>&1 &
  BG_PIDS+=("$!")
  disown "$!"  # killed by lib.sh's exit trap, without the shell's "Killed" line
}
agent agent-a node-a "$WORK/node-a"
agent agent-b node-b "$WORK/node-b"
agent agent-c node-c "$WORK/node-c-not-mounted"
snapshots() { restic -r "$WORK/repo" snapshots --json 2>/dev/null; }
count() { snapshots | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
done_by() { grep -c "($1): done" "$2.log" || true; }

note "the claim mounted on node-a: agent-a backs it up, K8up's identity, restic lists it"
hort run overseerr/files/config --config hort.yaml >run1.out 2>&1 || { cat run1.out agent-a.log; fail "backup through the agent"; }
[ "$(done_by overseerr/files/config agent-a)" = 1 ] || { cat agent-a.log; fail "agent-a did not run the task"; }
[ "$(done_by overseerr/files/config agent-b)" = 0 ] || fail "agent-b ran node-a's task"
snapshots | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert len(s) == 1 and s[0]["hostname"] == "media" and s[0]["paths"] == ["/data/config"], s'
restic -r "$WORK/repo" restore latest --target r1 -q
treecmp pvcs/media/config r1/data/config --no-sparse  # restic 0.14 writes holes as zeros

note "the claim mounted on node-b: agent-b"
hort run paperless/files/docs --config hort.yaml >run2.out 2>&1 || { cat run2.out agent-b.log; fail "backup on node-b"; }
[ "$(done_by paperless/files/docs agent-b)" = 1 ] || { cat agent-b.log; fail "agent-b did not run the task"; }
[ "$(done_by paperless/files/docs agent-a)" = 0 ] || fail "agent-a ran node-b's task"

note "the pod moves to node-b: the next backup is agent-b's"
web_uid=$(kubectl get pod web -n media -o jsonpath='{.metadata.uid}')
kubectl delete pod web -n media >/dev/null
wait_for 10 sh -c "[ ! -e node-a/pods/$web_uid ]"
pod media web2 node-b config | kubectl apply -f - >/dev/null
echo changed >pvcs/media/config/new-file
hort run overseerr/files/config --config hort.yaml >run3.out 2>&1 || { cat run3.out agent-b.log; fail "backup after the move"; }
[ "$(done_by overseerr/files/config agent-b)" = 1 ] || { cat agent-b.log; fail "agent-b did not take over"; }
[ "$(done_by overseerr/files/config agent-a)" = 1 ] || fail "agent-a ran the moved claim's task"
[ "$(restic -r "$WORK/repo" dump latest --host media --path /data/config /data/config/new-file)" = changed ] || fail "second snapshot content"

note "a claim mounted nowhere: a holder Job mounts it, the agent of its node backs it up, the Job is removed"
hort run -v paperless/files/archive --config hort.yaml >run4.out 2>&1 || { cat run4.out agent-a.log agent-b.log; fail "backup through a holder Job"; }
grep -q "holder Job hort-mount-" run4.out || { cat run4.out; fail "no holder Job named"; }
[ $(( $(done_by paperless/files/archive agent-a) + $(done_by paperless/files/archive agent-b) )) = 1 ] || fail "the archive task ran other than once"
wait_for 15 sh -c '[ -z "$(kubectl get jobs -n productivity -o name)" ]'
restic -r "$WORK/repo" restore latest --host productivity --path /data/archive --target r4 -q
treecmp pvcs/productivity/archive r4/data/archive --no-sparse

note "restore into a new claim (--create) round-trips the files"
hort restore latest --host media --path /data/config --config hort.yaml --to-pvc media/restored --create --size 1Gi --storage-class local \
  >restore.out 2>&1 || { cat restore.out agent-a.log agent-b.log; fail "restore --to-pvc"; }
treecmp pvcs/media/config pvcs/media/restored

note "restore --to-pvc --create checks size and image before it makes the claim; a later failure deletes the claim made"
newclaim() {  # OUT CONFIG [ARGS...]: restore media/config's latest into a new claim media/again
  local out=$1 config=$2; shift 2
  rc=0
  "$HORT" restore latest --host media --path /data/config --config "$config" --to-pvc media/again --create --storage-class local \
    "$@" >"$out" 2>&1 || rc=$?
}
newclaim size.out hort.yaml --size 10XB
[ "$rc" = 1 ] || { cat size.out; fail "--size 10XB: exit $rc"; }
grep -q 'size "10XB" of the new persistentvolumeclaim media/again: quantities must match the regular expression' size.out \
  || { cat size.out; fail "--size 10XB: message"; }
HORT_IMAGE="" newclaim image.out hort.yaml --size 1Gi
[ "$rc" = 1 ] || { cat image.out; fail "no HORT_IMAGE: exit $rc"; }
grep -q "HORT_IMAGE is not set, so hort cannot start a Job that mounts it; nothing was created" image.out || { cat image.out; fail "no HORT_IMAGE: message"; }
! kubectl get pvc again -n media >/dev/null 2>&1 || fail "a refused --create made the claim"
# The agents read hort.yaml, which has no repository "spare": the agent's restore fails once the claim exists.
cp -a "$WORK/repo" "$WORK/spare"
sed "s#^  main: {url: $WORK/repo,#  spare: {url: $WORK/spare, password_env: HORT_PASSWORD}\n&#" hort.yaml >cov.yaml
newclaim spare.out cov.yaml --size 1Gi --repository spare
[ "$rc" = 1 ] || { cat spare.out; fail "restore the agent cannot do: exit $rc"; }
grep -q 'no repository named "spare" in the agent.s catalog; the new claim media/again was deleted again' spare.out \
  || { cat spare.out; fail "restore the agent cannot do: message"; }
# gone when hort answers (it waits while the holder pod still holds it), so the retry works at once
! kubectl get pvc again -n media >/dev/null 2>&1 || fail "the failed --create's claim is still there when hort answers"
newclaim again.out hort.yaml --size 1Gi
[ "$rc" = 0 ] || { cat again.out agent-a.log agent-b.log; fail "the retry with --create: exit $rc"; }
treecmp pvcs/media/config pvcs/media/again

note "restore --to-pvc --create waits for a claim of the name that is being deleted"
{ claim media going; pod media going-user node-b going; } | kubectl apply -f - >/dev/null
kubectl delete pvc going -n media --wait=false >/dev/null
[ -n "$(kubectl get pvc going -n media -o jsonpath='{.metadata.deletionTimestamp}')" ] || fail "the claim is not Terminating"
"$HORT" restore latest --host media --path /data/config --config hort.yaml --to-pvc media/going --create --size 1Gi \
  --storage-class local >going.out 2>&1 &
going_pid=$!
sleep 2
kubectl delete pod going-user -n media >/dev/null  # the pod goes, pvc-protection lets the old claim go
rc=0; wait "$going_pid" || rc=$?
[ "$rc" = 0 ] || { cat going.out; fail "--create over a Terminating claim: exit $rc"; }
grep -q "persistentvolumeclaim media/going is being deleted: waiting for it to go" going.out || { cat going.out; fail "no word of the wait"; }
treecmp pvcs/media/config pvcs/media/going

note "restore test BT-K8-01 also restores into a scratch claim through the agent, then deletes it"
hort test run BT-K8-01 --config hort.yaml >bt.out 2>&1 || { cat bt.out agent-a.log agent-b.log; fail "BT-K8-01 with scratch_pvc"; }
hort protocol --json --config hort.yaml >protocol.json
python3 - protocol.json <<'PY'
import json, sys
row = [r for r in json.load(open(sys.argv[1])) if r["test"] == "BT-K8-01"][-1]
assert row["result"] == "pass", row
assert any("restored into scratch claim media/bt-k8-01-config through the agent" in f for f in row["findings"]), row
PY
wait_for 10 sh -c '! kubectl get pvc bt-k8-01-config -n media >/dev/null 2>&1'

note "bad input: a claim that does not exist"
before=$(count)
hort run paperless/files/missing --config hort.yaml >missing.out 2>&1 && fail "a backup of a missing claim passed"
grep -q 'persistentvolumeclaim "missing" not found in namespace "productivity"' missing.out || { cat missing.out; fail "missing claim message"; }
[ "$(count)" = "$before" ] || fail "a snapshot appeared for a missing claim"

note "bad input: node-c's agent has no kubelet folder"
hort run paperless/files/scratch --config hort.yaml >scratch.out 2>&1 && fail "a backup without the kubelet folder passed"
grep -q "is not there on node node-c: is the kubelet root mounted into the agent" scratch.out || { cat scratch.out agent-c.log; fail "kubelet folder message"; }
[ "$(count)" = "$before" ] || fail "a snapshot appeared without the kubelet folder"

note "bad input: a hostPath volume is refused by the agent, naming it"
hort run legacy/files/legacy --config hort.yaml >legacy.out 2>&1 && fail "a hostPath volume was backed up"
grep -q "persistentvolume pv-legacy is a hostPath volume (/srv/legacy)" legacy.out || { cat legacy.out agent-a.log; fail "hostPath message"; }
[ "$(count)" = "$before" ] || fail "a snapshot appeared for a hostPath volume"

note "two agents on node-b: one of them runs the task, one snapshot"
agent agent-b2 node-b "$WORK/node-b"
before=$(count)
for i in 1 2 3; do
  echo "$i" >pvcs/productivity/docs/round
  hort run paperless/files/docs --config hort.yaml >dup$i.out 2>&1 || { cat dup$i.out; fail "run $i with two agents"; }
done
[ "$(count)" = $((before + 3)) ] || fail "three runs with two agents made $(( $(count) - before )) snapshots"
[ $(( $(done_by paperless/files/docs agent-b) + $(done_by paperless/files/docs agent-b2) )) = 4 ] || fail "tasks ran other than once each"
[ -z "$(kubectl get leases -n hort -o name)" ] || fail "task Leases left behind"
echo "agent ok"
