#!/usr/bin/env bash
# hort kube coverage on a cluster with 6 PVCs, 2 of them protected by no
# catalog entry: those 2 first, hort_unprotected_pvcs = 2 in hort's own
# metrics, and the shipped alert fires on that value in promtool's test.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$E2E_DIR/../.." && pwd)
start_kube
cd "$WORK"

pvc() {  # pvc NS NAME SIZE CLASS
  cat <<YAML
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $2, namespace: $1}
spec: {accessModes: [ReadWriteOnce], storageClassName: $4, resources: {requests: {storage: $3}}}
YAML
}
{
  for ns in productivity media games; do printf -- '---\napiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n' "$ns"; done
  pvc productivity paperless-data 10Gi longhorn
  pvc productivity paperless-media 50Gi longhorn
  pvc productivity n8n-data 2Gi longhorn
  pvc media jellyfin-config 1Gi local-path
  pvc media jellyfin-cache 20Gi local-path
  pvc games minecraft 5Gi longhorn
  cat <<'YAML'
---
apiVersion: v1
kind: Pod
metadata: {name: paperless-0, namespace: productivity}
spec:
  nodeName: node-a
  containers: [{name: paperless, image: paperless:2}]
  volumes:
    - {name: data, persistentVolumeClaim: {claimName: paperless-data}}
    - {name: media, persistentVolumeClaim: {claimName: paperless-media}}
---
apiVersion: v1
kind: Pod
metadata: {name: jellyfin-0, namespace: media}
spec:
  nodeName: node-b
  containers: [{name: jellyfin, image: jellyfin:10}]
  volumes: [{name: cache, persistentVolumeClaim: {claimName: jellyfin-cache}}]
YAML
} >cluster.yaml
kubectl apply -f cluster.yaml >/dev/null
[ "$(kubectl get pvc -A -o name | wc -l)" = 6 ] || fail "kubectl does not see 6 PVCs"

cat >hort.yaml <<YAML
kubernetes: {kubeconfig: $KUBECONFIG}
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
volume_stores:
  nas: {url: ./store}
services:
  paperless:
    namespace: productivity
    classification: important
    rpo: 1d
    files:
      - {pvc: paperless-data, schedule: "@daily", repository: main}
      - {pvc: paperless-media, schedule: "@daily", repository: main}
  n8n:
    namespace: productivity
    classification: important
    rpo: 1d
    files:
      - {pvc: n8n-data, schedule: "@daily", repository: main}
  jellyfin:
    namespace: media
    classification: important
    rpo: 1d
    volumes:
      - {pvc: jellyfin-config, schedule: "@daily", store: nas}
YAML

note "the two unprotected PVCs come first"
expect_rc 0 hort kube coverage --config hort.yaml
cat "$WORK/last.out"
sed -n 2,3p "$WORK/last.out" >first.txt
grep -q "^games  *minecraft .*UNPROTECTED (no service in namespace)" first.txt || fail "games/minecraft is not first"
grep -q "^media  *jellyfin-cache .*jellyfin-0 .*node-b .*UNPROTECTED" first.txt || fail "media/jellyfin-cache is not second"
grep -q "paperless-media .*50Gi .*longhorn .*paperless-0 .*node-a .*paperless/files/paperless-media" "$WORK/last.out" \
  || fail "paperless-media's row is wrong"
grep -q "jellyfin-config .*jellyfin/volumes/jellyfin-config" "$WORK/last.out" || fail "a volumes entry does not protect"
grep -q "^2 of 6 PVCs unprotected; namespaces without a service: games" "$WORK/last.out" || fail "wrong summary"

expect_rc 0 hort kube coverage --config hort.yaml --json
python3 - "$WORK/last.out" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["unprotected_pvcs"] == 2, j["unprotected_pvcs"]
assert [(p["namespace"], p["name"]) for p in j["pvcs"][:2]] == [("games", "minecraft"), ("media", "jellyfin-cache")], j["pvcs"][:2]
assert all(p["protected"] for p in j["pvcs"][2:])
assert j["unprotected_namespaces"] == ["games"]
PY

note "without a catalog nothing is protected"
expect_rc 0 hort kube coverage
grep -q "^6 of 6 PVCs unprotected" "$WORK/last.out" || fail "no-catalog summary: $(tail -1 "$WORK/last.out")"

note "hort_unprotected_pvcs = 2 and the alert fires on it"
expect_rc 0 hort metrics --config hort.yaml
grep -qx "hort_unprotected_pvcs 2" "$WORK/last.out" || fail "metric: $(grep unprotected "$WORK/last.out")"
grep -qx "hort_pvcs 6" "$WORK/last.out" || fail "hort_pvcs missing"
grep -qx "hort_kube_up 1" "$WORK/last.out" || fail "hort_kube_up missing"
value=$(sed -n 's/^hort_unprotected_pvcs //p' "$WORK/last.out")
cat >alert.test.yaml <<YAML
rule_files: [$ROOT/deploy/prometheus/hort-rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - {series: 'hort_unprotected_pvcs', values: '${value}x90'}
    alert_rule_test:
      - {eval_time: 30m, alertname: HortUnprotectedPVCs, exp_alerts: []}
      - eval_time: 70m
        alertname: HortUnprotectedPVCs
        exp_alerts:
          - exp_labels: {severity: warning}
            exp_annotations:
              summary: "2 PVCs have no backup"
              description: "2 PersistentVolumeClaims are protected by no catalog entry. Run \`hort kube coverage\` to see which."
YAML
promtool test rules alert.test.yaml >/dev/null || { promtool test rules alert.test.yaml; fail "the alert did not fire on hort's value"; }

note "hort serve samples coverage on its own thread; /metrics shows it"
HPORT=$(free_port)
"$HORT" --config "$WORK/hort.yaml" serve --listen "127.0.0.1:$HPORT" 2>"$WORK/serve.log" &
BG_PIDS+=($!)
wait_for 20 sh -c "curl -sf http://127.0.0.1:$HPORT/metrics | grep -qx 'hort_unprotected_pvcs 2'"
kill -TERM "${BG_PIDS[-1]}"
wait "${BG_PIDS[-1]}" || fail "hort serve did not stop cleanly: $(cat "$WORK/serve.log")"

note "an unreachable cluster: hort_kube_up 0, no coverage figure"
sed "s#https://127.0.0.1:[0-9]*#https://127.0.0.1:$(free_port)#" "$KUBECONFIG" >down.kubeconfig
sed "s#kubeconfig: .*}#kubeconfig: $WORK/down.kubeconfig}#" hort.yaml >down.yaml
expect_rc 0 hort metrics --config down.yaml
grep -qx "hort_kube_up 0" "$WORK/last.out" || fail "hort_kube_up is not 0 for an unreachable cluster"
! grep -q "^hort_unprotected_pvcs" "$WORK/last.out" || fail "a coverage figure without a cluster"
echo "kube coverage ok"
