#!/usr/bin/env bash
# hort's Kubernetes client against the test API server (TLS, client
# certificate): discovery, a paged list of 2,000 ConfigMaps with continue
# tokens expired mid-list, create/dry-run/409/422, a CRD appearing in
# discovery (hort_kube_e2e_test) — and kubectl, a client nobody here wrote,
# agrees: what kubectl applied hort lists, what hort created kubectl reads
# back with the server-set fields.
source "$(dirname "$0")/lib.sh"
: "${HORT_KUBE_E2E:?HORT_KUBE_E2E must point at hort_kube_e2e_test}"
start_kube
cd "$WORK"

kubectl create namespace shared >/dev/null
cat >shared.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shared}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shared}
data: {mode: kubectl}
YAML
kubectl apply -f shared.yaml >/dev/null

HORT_KUBE_DIR="$KUBE_DIR" "$HORT_KUBE_E2E" --gtest_brief=1

note "kubectl reads what hort created, with the fields the server set"
kubectl get configmap from-hort -n hort-e2e -o json --show-managed-fields >from-hort.json
python3 - from-hort.json <<'PY'
import json, re, sys
o = json.load(open(sys.argv[1]))
m = o["metadata"]
assert re.fullmatch(r"[0-9a-f-]{36}", m["uid"]), m["uid"]
assert m["resourceVersion"].isdigit(), m["resourceVersion"]
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", m["creationTimestamp"]), m["creationTimestamp"]
assert any(f["manager"] == "hort" for f in m["managedFields"]), m["managedFields"]
assert o["data"] == {"k": "from-hort", "patched": "yes"}, o["data"]
PY
[ "$(kubectl get configmaps -A -l batch=e2e --chunk-size=300 -o name | wc -l)" -ge 2000 ] || fail "kubectl's paged list is short"
kubectl get backups.example.hort.dev -n hort-e2e nightly -o jsonpath='{.spec.schedule}' | grep -qx '@daily' \
  || fail "kubectl does not see hort's custom resource"
kubectl api-resources >api-resources.txt 2>&1 || { cat api-resources.txt >&2; fail "kubectl api-resources failed"; }
grep -q "^backups .*hbk .*example.hort.dev/v1 .*true .*Backup" api-resources.txt ||
  { cat api-resources.txt >&2; ls -R "$KUBECACHEDIR" >&2 || true; fail "kubectl api-resources lacks the CRD"; }
! kubectl get configmap dry -n hort-e2e >/dev/null 2>&1 || fail "the dry-run object exists for kubectl"
echo "kube api ok"
