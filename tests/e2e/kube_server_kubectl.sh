#!/usr/bin/env bash
# The test Kubernetes API server (tests/kube) as kubectl, an independent client, sees it:
# discovery, apply/create/get/delete, AlreadyExists, server dry-run, CRDs, RBAC with a
# ServiceAccount token, exec over WebSocket and paging; then, on a second server started with --nodes and
# --pvc-root, its stand-ins for the provisioner, scheduler, kubelets and Job controller.
source "$(dirname "$0")/lib.sh"
need_kubectl
KUBE_SH=$E2E_DIR/../kube/kube.sh
K=$WORK/kube
S=$WORK/kube-sim  # the second server
bash "$KUBE_SH" start "$K"
trap 'bash "$KUBE_SH" stop "$K"; bash "$KUBE_SH" stop "$S"; chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"' EXIT
export KUBECONFIG=$K/kubeconfig
kc() { kubectl "$@"; }

note "discovery: api-resources"
kc api-resources >"$WORK/res.txt"
grep -Eq '^deployments +deploy +apps/v1 +true +Deployment$' "$WORK/res.txt" || fail "no deployments.apps in api-resources"
grep -Eq '^configmaps +cm +v1 +true +ConfigMap$' "$WORK/res.txt" || fail "no configmaps in api-resources"
grep -q 'v1beta1\|v1alpha' "$WORK/res.txt" && fail "non-GA versions served"

note "apply a manifest"
cat >"$WORK/app.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop, labels: {app: web}}
data: {greeting: hello}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: backup, namespace: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
YAML
kc apply -f "$WORK/app.yaml" >"$WORK/apply.out"
grep -q '^deployment.apps/web created$' "$WORK/apply.out" || fail "apply: $(cat "$WORK/apply.out")"
kc get deploy -n shop web -o json --show-managed-fields >"$WORK/web.json"
/usr/bin/python3 - "$WORK/web.json" <<'PY'
import json, re, sys
o = json.load(open(sys.argv[1])); m = o["metadata"]
assert re.fullmatch(r"[0-9a-f-]{36}", m["uid"]), m
assert int(m["resourceVersion"]) > 0 and m["generation"] == 1, m
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", m["creationTimestamp"]), m
mf = m["managedFields"][0]
assert mf["manager"] == "kubectl-client-side-apply" and mf["operation"] == "Update" and mf["fieldsType"] == "FieldsV1", mf
assert "f:spec" in mf["fieldsV1"], mf
assert o["spec"]["replicas"] == 2
PY
sed -i 's/greeting: hello/greeting: bye/' "$WORK/app.yaml"
kc apply -f "$WORK/app.yaml" >"$WORK/apply2.out"
grep -q '^configmap/web-config configured$' "$WORK/apply2.out" || fail "re-apply: $(cat "$WORK/apply2.out")"
[ "$(kc get cm -n shop web-config -o jsonpath='{.data.greeting}')" = bye ] || fail "apply patch not applied"

kc get ns shop --no-headers >"$WORK/ns.txt"   # a Table: kube's Namespace columns
grep -Eq '^shop +Active +[0-9]+s$' "$WORK/ns.txt" || fail "kubectl get ns: $(cat "$WORK/ns.txt")"

note "create again: AlreadyExists"
expect_rc 1 kc create -f "$WORK/app.yaml"
grep -q 'Error from server (AlreadyExists): error when creating ".*": deployments.apps "web" already exists' "$WORK/last.err" \
  || fail "no AlreadyExists: $(cat "$WORK/last.err")"

note "create --dry-run=server stores nothing"
kc create configmap dry -n shop --from-literal=a=b --dry-run=server -o json >"$WORK/dry.json"
grep -q '"uid"' "$WORK/dry.json" || fail "dry-run response without uid"
grep -q '"resourceVersion"' "$WORK/dry.json" && fail "dry-run response has a resourceVersion"
expect_rc 1 kc get cm -n shop dry
grep -q 'configmaps "dry" not found' "$WORK/last.err" || fail "dry-run stored the object"

note "server-side apply"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: shop}\ndata: {x: "1"}\n' | kc apply --server-side -f - >"$WORK/ssa.out"
grep -q 'configmap/ssa serverside-applied' "$WORK/ssa.out" || fail "server-side apply: $(cat "$WORK/ssa.out")"
[ "$(kc get cm -n shop ssa -o jsonpath='{.metadata.managedFields[0].manager}/{.metadata.managedFields[0].operation}' --show-managed-fields)" = kubectl/Apply ] \
  || fail "server-side apply managedFields"

kc patch cm ssa -n shop --type=merge -p '{"data":{"x":"2"}}' --field-manager=other >/dev/null
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: shop}\ndata: {x: "1"}\n' >"$WORK/ssa.yaml"
expect_rc 1 kc apply --server-side -f "$WORK/ssa.yaml"
grep -qF 'Apply failed with 1 conflict: conflict with "other" using v1: .data.x' "$WORK/last.err" || fail "no SSA conflict: $(cat "$WORK/last.err")"
kc apply --server-side --force-conflicts -f "$WORK/ssa.yaml" >/dev/null
[ "$(kc get cm -n shop ssa -o jsonpath='{.data.x}')" = 1 ] || fail "forced apply"

note "a CRD and its custom resources"
cat >"$WORK/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
YAML
expect_rc 1 kc get widgets -n shop   # not served before the CRD exists
kc apply -f "$WORK/crd.yaml" >/dev/null
printf 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: shop}\nspec: {size: 3}\nstatus: {ok: true}\n' | kc apply -f - >/dev/null
[ "$(kc get widgets -n shop -o jsonpath='{.items[*].metadata.name}')" = w1 ] || fail "kubectl get widgets"
[ "$(kc get wd w1 -n shop -o jsonpath='{.kind}/{.spec.size}/{.status}')" = Widget/3/ ] || fail "custom resource content (status must be reset)"
kc api-resources >"$WORK/res2.txt"
grep -Eq '^widgets +wd +example.com/v1 +true +Widget$' "$WORK/res2.txt" || fail "api-resources lacks widgets"

note "RBAC with a ServiceAccount token"
cat >"$WORK/rbac.yaml" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get, list]}
- {apiGroups: [""], resources: [pods], verbs: [get]}        # kubectl exec reads the pod first
- {apiGroups: [""], resources: [pods/exec], verbs: [create]}
- {apiGroups: [rbac.authorization.k8s.io], resources: [roles, rolebindings], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: backup, namespace: shop}]
YAML
kc apply -f "$WORK/rbac.yaml" >/dev/null
TOKEN=$(kc create token backup -n shop)
[ -n "$TOKEN" ] || fail "kubectl create token printed nothing"
server=$(kc config view -o jsonpath='{.clusters[0].cluster.server}')
sa() { kubectl --kubeconfig=/dev/null --server="$server" --certificate-authority="$K/ca.crt" --token="$TOKEN" "$@"; }
[ "$(sa auth whoami -o jsonpath='{.status.userInfo.username}')" = system:serviceaccount:shop:backup ] || fail "auth whoami"
[ "$(sa auth can-i list configmaps -n shop)" = yes ] || fail "can-i list configmaps"
expect_rc 1 sa auth can-i delete configmaps -n shop
[ "$(cat "$WORK/last.out")" = no ] || fail "can-i delete configmaps should be no"
[ "$(sa auth can-i create pods --subresource=exec -n shop)" = yes ] || fail "can-i create pods/exec"
expect_rc 1 sa auth can-i list secrets -n shop
expect_rc 1 sa get secrets -n shop
grep -qF 'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:shop:backup" cannot list resource "secrets" in API group "" in the namespace "shop"' \
  "$WORK/last.err" || fail "forbidden message: $(cat "$WORK/last.err")"
expect_rc 1 sa get namespaces
grep -qF 'cannot list resource "namespaces" in API group "" at the cluster scope' "$WORK/last.err" || fail "cluster-scope message"
[ "$(sa get cm -n shop -o name | tr '\n' ' ')" = "configmap/kube-root-ca.crt configmap/ssa configmap/web-config " ] \
  || fail "allowed list: $(sa get cm -n shop -o name)"

note "RBAC escalation: the ServiceAccount may grant what it holds, nothing more"
expect_rc 1 sa create role wider -n shop --verb=get,watch,delete --resource=configmaps
grep -qxF 'Error from server (Forbidden): roles.rbac.authorization.k8s.io "wider" is forbidden: user "system:serviceaccount:shop:backup" (groups=["system:serviceaccounts" "system:serviceaccounts:shop" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:' \
  "$WORK/last.err" || fail "escalation message: $(cat "$WORK/last.err")"
grep -qxF '{APIGroups:[""], Resources:["configmaps"], Verbs:["watch" "delete"]}' "$WORK/last.err" || fail "missing rules: $(cat "$WORK/last.err")"
expect_rc 1 kc get role wider -n shop
sa create role narrower -n shop --verb=get --resource=configmaps >/dev/null
expect_rc 1 sa create rolebinding admin -n shop --clusterrole=cluster-admin --serviceaccount=shop:backup
grep -qF 'rolebindings.rbac.authorization.k8s.io "admin" is forbidden: user "system:serviceaccount:shop:backup"' "$WORK/last.err" \
  || fail "binding escalation: $(cat "$WORK/last.err")"
sa create rolebinding narrower -n shop --role=narrower --serviceaccount=shop:backup >/dev/null
kc create role wider -n shop --verb=get,watch,delete --resource=configmaps >/dev/null  # the admin is system:masters

note "RBAC objects: apiGroups defaulted, kube's validation, replace of a missing one creates it"
rb() { printf 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: %s, namespace: shop}\nroleRef: {kind: %s, name: %s}\nsubjects: [{kind: %s, name: ann}]\n' "$@"; }
rb plain Role narrower User | kc create -f - >/dev/null
[ "$(kc get rolebinding plain -n shop -o jsonpath='{.roleRef.apiGroup} {.subjects[0].apiGroup}')" = \
  "rbac.authorization.k8s.io rbac.authorization.k8s.io" ] || fail "apiGroups not defaulted: $(kc get rolebinding plain -n shop -o yaml)"
rb robot Role narrower Robot >"$WORK/robot.yaml"
expect_rc 1 kc create -f "$WORK/robot.yaml"
grep -qF 'The RoleBinding "robot" is invalid: subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"' \
  "$WORK/last.err" || fail "invalid subject: $(cat "$WORK/last.err")"
rb plain Role wider User >"$WORK/plain.yaml"
expect_rc 1 kc replace -f "$WORK/plain.yaml"
grep -qF 'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"wider"}: cannot change roleRef' \
  "$WORK/last.err" || fail "roleRef change: $(cat "$WORK/last.err")"
rb replaced Role narrower User | kc replace -f - >"$WORK/replace.out"
grep -qx 'rolebinding.rbac.authorization.k8s.io/replaced replaced' "$WORK/replace.out" || fail "replace of a missing binding: $(cat "$WORK/replace.out")"
kc get rolebinding replaced -n shop >/dev/null
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nowhere, namespace: shop}\n' >"$WORK/cm.yaml"
expect_rc 1 kc replace -f "$WORK/cm.yaml"  # a ConfigMap's strategy does not create on update
grep -qF 'configmaps "nowhere" not found' "$WORK/last.err" || fail "replace of a missing configmap: $(cat "$WORK/last.err")"

note "exec"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: shop}\nspec:\n  containers: [{name: c, image: "busybox:1.36"}, {name: side, image: "busybox:1.36"}]\n' \
  | kc apply -f - >/dev/null
kc wait --for=condition=Ready pod/db -n shop --timeout=10s >/dev/null  # a watch
[ "$(kc get pod -n shop db -o jsonpath='{.status.phase}/{.spec.nodeName}')" = Running/node-1 ] || fail "pod not Running"
expect_rc 3 kc exec -n shop db -c c -- sh -c 'echo out; echo err >&2; exit 3'
[ "$(cat "$WORK/last.out")" = out ] || fail "exec stdout: $(cat "$WORK/last.out")"
grep -qx err "$WORK/last.err" || fail "exec stderr: $(cat "$WORK/last.err")"
[ "$(echo payload | sa exec -i -n shop db -c side -- sh -c 'cat >in.txt; cat in.txt')" = payload ] || fail "exec stdin via the SA token"
[ -f "$K/state/containers/shop/db/side/in.txt" ] || fail "exec did not run in the container directory"
expect_rc 1 kc exec -n shop db -c nope -- true
grep -q 'container nope is not valid for pod db' "$WORK/last.err" || fail "bad container"

note "paging: 50 configmaps, --chunk-size=7"
for i in $(seq 1 50); do printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: page-%02d, namespace: %s}\n' "$i" "$([ $((i % 2)) = 0 ] && echo shop || echo default)"; done >"$WORK/cms.yaml"
kc create -f "$WORK/cms.yaml" >/dev/null
kc get configmaps -A --chunk-size=7 -o name -v=6 >"$WORK/pages.out" 2>"$WORK/pages.err"
[ "$(grep -c '^configmap/page-' "$WORK/pages.out")" = 50 ] || fail "paged list returned $(grep -c page- "$WORK/pages.out") of 50"
[ "$(grep -Ec 'GET.*/api/v1/configmaps\?.*limit=7' "$WORK/pages.err")" -ge 8 ] || fail "kubectl did not page"

note "delete"
# (objects first, then the namespace: it is Terminating until the namespace controller has removed its
# contents, and `kubectl delete namespace` waits until it is gone)
kc delete -n shop deployment/web configmap/web-config >"$WORK/del.out"
grep -q 'deployment.apps "web" deleted' "$WORK/del.out" || fail "delete: $(cat "$WORK/del.out")"
kc delete namespace shop >"$WORK/del.out"
grep -q 'namespace "shop" deleted' "$WORK/del.out" || fail "delete: $(cat "$WORK/del.out")"
expect_rc 1 kc get deploy -n shop web
[ "$(kc get cm -A -o name | grep -c page-)" = 25 ] || fail "namespace delete must remove its contents"
kc get cm -A -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name --no-headers | grep -q '^shop ' && fail "configmaps of shop left"

note "stand-ins for controllers (--nodes, --pvc-root): nodes, a bound claim"
bash "$KUBE_SH" start "$S" --nodes "node-a=$S/node-a,node-b=$S/node-b" --pvc-root "$S/pvcs"
export KUBECONFIG=$S/kubeconfig
kc get nodes --no-headers >"$WORK/nodes.txt"
grep -Eq '^node-a +Ready +<none> +[0-9]+s +v1.31.4$' "$WORK/nodes.txt" || fail "kubectl get nodes: $(cat "$WORK/nodes.txt")"
kc create namespace apps >/dev/null
printf 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: apps}\nspec: {storageClassName: local, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n' \
  | kc apply -f - >/dev/null
kc get pvc -n apps data --no-headers >"$WORK/pvc.txt"
grep -Eq '^data +Bound +pvc-[0-9a-f-]{36} +1Gi +RWO +local +<unset> +[0-9]+s$' "$WORK/pvc.txt" || fail "kubectl get pvc: $(cat "$WORK/pvc.txt")"
PV=$(kc get pvc -n apps data -o jsonpath='{.spec.volumeName}')
[ "$(kc get pv "$PV" -o jsonpath='{.spec.csi.driver}/{.status.phase}')" = hostpath.csi.hort.test/Bound ] || fail "provisioned PV"
[ -d "$S/pvcs/apps/data" ] || fail "no data folder for the claim"

note "kubectl create job: the pod runs as a local process, kubectl logs"
kc create job hello -n apps --image=busybox:1.36 -- /bin/sh -c 'echo hi from $(pwd | sed "s|.*/containers/||")' >"$WORK/job.out"
grep -qx 'job.batch/hello created' "$WORK/job.out" || fail "create job: $(cat "$WORK/job.out")"
kc wait --for=condition=Complete job/hello -n apps --timeout=20s >/dev/null
kc get pods -n apps -l job-name=hello -o jsonpath='{.items[*].metadata.name}' >"$WORK/pods.txt"
POD=$(cat "$WORK/pods.txt")
[[ $POD =~ ^hello-[a-z0-9]{5}$ ]] || fail "job pods: $POD"
[ "$(kc get pod -n apps "$POD" -o jsonpath='{.status.phase}/{.spec.nodeName}')" = Succeeded/node-a ] || fail "job pod state"
[ "$(kc logs -n apps "$POD")" = "hi from apps/$POD/hello" ] || fail "kubectl logs: $(kc logs -n apps "$POD")"
kc get job -n apps hello --no-headers >"$WORK/jobs.txt"
grep -Eq '^hello +Complete +1/1 +[0-9]+s +[0-9]+s$' "$WORK/jobs.txt" || fail "kubectl get job: $(cat "$WORK/jobs.txt")"

note "a Job's pod with the claim on node-b: kubelet folder; kubectl delete job ends the process"
cat >"$WORK/sleeper.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: sleeper, namespace: apps}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: {kubernetes.io/hostname: node-b}
      terminationGracePeriodSeconds: 2
      containers: [{name: hold, image: busybox:1.36, command: [sh, -c, 'echo $$ >pid; exec sleep 300'], volumeMounts: [{name: data, mountPath: /data}]}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
YAML
kc apply -f "$WORK/sleeper.yaml" >/dev/null
kc wait --for=jsonpath='{.status.ready}'=1 job/sleeper -n apps --timeout=20s >/dev/null
POD=$(kc get pods -n apps -l batch.kubernetes.io/job-name=sleeper -o jsonpath='{.items[0].metadata.name}')
UID_=$(kc get pod -n apps "$POD" -o jsonpath='{.metadata.uid}')
[ "$(readlink "$S/node-b/pods/$UID_/volumes/kubernetes.io~csi/$PV/mount")" = "$S/pvcs/apps/data" ] || fail "no volume folder for the pod"
for _ in $(seq 50); do [ -s "$S/state/containers/apps/$POD/hold/pid" ] && break; sleep 0.1; done
PID=$(cat "$S/state/containers/apps/$POD/hold/pid")
kill -0 "$PID" || fail "the pod's process is not running"
kc delete job sleeper -n apps >"$WORK/del.out"
grep -qx 'job.batch "sleeper" deleted' "$WORK/del.out" || fail "delete job: $(cat "$WORK/del.out")"
[ -z "$(kc get pods -n apps -l job-name=sleeper -o name)" ] || fail "kubectl delete job left its pod"
for _ in $(seq 50); do [ -d "/proc/$PID" ] && [ "$(cut -d' ' -f3 "/proc/$PID/stat" 2>/dev/null)" != Z ] || break; sleep 0.1; done
[ -d "/proc/$PID" ] && [ "$(cut -d' ' -f3 "/proc/$PID/stat" 2>/dev/null)" != Z ] && fail "the pod's process survived"
[ -e "$S/node-b/pods/$UID_" ] && fail "the pod's kubelet folder survived"

note "finalizers: a marked object stays until its last finalizer is removed; a claim is freed with its pod"
kc create configmap held -n apps --from-literal=a=b >/dev/null
kc patch configmap held -n apps --type=merge -p '{"metadata":{"finalizers":["example.com/hold"]}}' >/dev/null
kc delete configmap held -n apps --wait=false >"$WORK/del.out"
grep -qx 'configmap "held" deleted' "$WORK/del.out" || fail "delete --wait=false: $(cat "$WORK/del.out")"
[ -n "$(kc get configmap held -n apps -o jsonpath='{.metadata.deletionTimestamp}')" ] || fail "the marked configmap is gone or unmarked"
kc patch configmap held -n apps --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]' >/dev/null
kc get configmap held -n apps >/dev/null 2>"$WORK/get.err" && fail "the configmap outlived its last finalizer"
grep -q 'NotFound' "$WORK/get.err" || fail "get after the last finalizer: $(cat "$WORK/get.err")"
[ "$(kc get pvc data -n apps -o jsonpath='{.metadata.finalizers[0]}')" = kubernetes.io/pvc-protection ] || fail "claim without pvc-protection"
kc delete pvc data -n apps --timeout=10s >"$WORK/del.out" || fail "kubectl delete pvc (waits for it to go): $(cat "$WORK/del.out")"
kc get pv "$PV" >/dev/null 2>&1 && fail "the claim's Delete-policy volume survived"
echo "PASS"
