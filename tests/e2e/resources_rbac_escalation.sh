#!/usr/bin/env bash
# RBAC's escalation rule on a restore. kube-apiserver refuses a Role, or a binding to a role, that grants
# more than its writer holds, unless the writer may escalate (roles) and bind (bindings); the test API
# server enforces the same (tests/kube/apiserver/escalation.py). A namespace whose Role and bindings grant
# more than hort's own get/list/create/patch is backed up and deleted; `hort resources restore`, run as
# hort's ServiceAccount holding exactly the RBAC objects `hort kube manifests` renders (escalate and bind
# included), brings it back whole. With the ClusterRole's escalate and bind taken out, the server refuses
# the Role and the binding to `edit` with its 403 (and the binding to the Role that was not restored with
# a 404), everything else is restored, and hort exits 1 naming each refused object with the server's
# message, the rules it lacks included, and the verb that would have allowed it (which kube check names).
source "$(dirname "$0")/lib.sh"
start_kube
cd "$WORK"
snapshot() {  # OUT: team's objects as kubectl shows them, without what the server sets
  kubectl get serviceaccounts,configmaps,roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io -n team -o json \
    | python3 "$E2E_DIR/kube_normalize.py" >"$1"
}

note "the cluster: an edit ClusterRole (kube's bootstrap edit stands for), namespace team with its Role and bindings"
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: edit}
rules:
- {apiGroups: ["", apps], resources: [configmaps, deployments, pods, secrets], verbs: [get, list, watch, create, update, patch, delete]}
---
apiVersion: v1
kind: Namespace
metadata: {name: team}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: ci, namespace: team}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: team}
rules:
- {apiGroups: [apps], resources: [deployments], verbs: [get, list, watch, update, delete]}
- {apiGroups: [""], resources: [secrets], resourceNames: [registry], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployer, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
subjects: [{kind: ServiceAccount, name: ci, namespace: team}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: editors, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: team-devs}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: team}
data: {mode: production}
YAML
snapshot before.json

note "backup as the admin"
hort init -r repo >/dev/null
expect_rc 0 hort -r repo resources backup --namespace team --name team

note "hort's ServiceAccount with the RBAC objects hort kube manifests renders"
mkdir -p secrets && printf 'e2e-password' >secrets/primary.password
cat >incluster.yaml <<YAML
state: /var/lib/hort/state.sqlite
work_dir: /var/lib/hort/work
serve: {listen: "0.0.0.0:9464"}
repositories:
  primary: {url: $WORK/repo, password_file: $WORK/secrets/primary.password}
services:
  team:
    namespace: team
    classification: important
    rpo: 1d
    resources:
      - {name: manifests, schedule: "@daily", repository: primary}
YAML
expect_rc 0 hort kube manifests --config incluster.yaml
# The objects that make hort's identity and grants; the rest (Deployment, monitoring CRs) plays no part here.
python3 - "$WORK/last.out" <<'PY' >rbac.yaml
import json, sys, yaml
keep = {"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
items = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] in keep]
cr = next(d for d in items if d["kind"] == "ClusterRole")
rbac = {r["resources"][0]: r["verbs"] for r in cr["rules"] if r["apiGroups"] == ["rbac.authorization.k8s.io"]}
assert rbac == {"clusterroles": ["bind", "escalate"], "roles": ["bind", "escalate"]}, cr["rules"]
yaml.safe_dump_all(items, sys.stdout)
PY
kubectl apply -f rbac.yaml >/dev/null
kubectl -n hort create token hort >sa.token
sa_kubeconfig "$WORK/sa.token" sa.kubeconfig
# hort holds less than the backup grants: without escalate and bind the server would refuse these
for verb in watch update delete; do
  [ "$(kubectl --kubeconfig sa.kubeconfig auth can-i "$verb" deployments.apps -n team || true)" = no ] || fail "hort may $verb deployments"
done

note "restore as hort: the Role and both bindings come back"
kubectl delete namespace team >/dev/null
expect_rc 0 hort -r repo resources restore latest --kubeconfig sa.kubeconfig
grep -q "0 failed$" "$WORK/last.out" || fail "restore: $(cat "$WORK/last.out")"
snapshot after.json
cmp before.json after.json || fail "the restored namespace differs: $(diff before.json after.json | head -20)"

note "without escalate and bind: refused with kube's 403, the rest restored, hort names each refusal"
python3 - rbac.yaml <<'PY' >rbac-without.json
import json, sys, yaml
items = list(yaml.safe_load_all(open(sys.argv[1])))
cr = next(d for d in items if d["kind"] == "ClusterRole")
cr["rules"] = [r for r in cr["rules"] if r["apiGroups"] != ["rbac.authorization.k8s.io"]]
print(json.dumps(cr))
PY
kubectl apply -f rbac-without.json >/dev/null
kubectl delete namespace team >/dev/null
expect_rc 1 hort -r repo resources restore latest --kubeconfig sa.kubeconfig
cp "$WORK/last.out" refused.out
cp "$WORK/last.err" refused.err
# Each refusal: an `error:` line naming the object and the server's message (the rules hort lacks, one per
# line, as kubectl shows them), then the verb that would have allowed it.
python3 - refused.err "$KUBE_URL" <<'PY' || fail "the errors: $(cat refused.err)"
import sys
text, url = open(sys.argv[1]).read(), sys.argv[2]
who = ('user "system:serviceaccount:hort:hort" (groups=["system:serviceaccounts" "system:serviceaccounts:hort" '
       '"system:authenticated"]) is attempting to grant RBAC permissions not currently held:')
rbac, at = ".rbac.authorization.k8s.io", f"context hort (cluster test at {url}): "
hint = " to restore it (hort kube role grants it; hort kube check names what is missing)"
verbs = 'Verbs:["watch" "update" "delete"]}'
edit = [f'{{APIGroups:["{g}"], Resources:["{r}"], {verbs}' for g in ("", "apps") for r in ("configmaps", "deployments", "pods", "secrets")]
want = [
    [f'error: roles{rbac} team/deployer: {at}roles{rbac} "deployer" is forbidden: {who}',
     f'{{APIGroups:["apps"], Resources:["deployments"], {verbs}', f"hort needs escalate on roles{rbac}{hint}"],
    # kube reads the Role a binding names unless bind allows the binding: the Role was refused, so it is not there
    [f'error: rolebindings{rbac} team/deployer: {at}roles{rbac} "deployer" not found', f"hort needs bind on roles{rbac}{hint}"],
    [f'error: rolebindings{rbac} team/editors: {at}rolebindings{rbac} "editors" is forbidden: {who}', *edit,
     f"hort needs bind on clusterroles{rbac}{hint}"],
]
blocks = []
for line in text.splitlines():
    if line.startswith("error: "):
        blocks.append([])
    assert blocks, line
    blocks[-1].append(line)
assert sorted(blocks) == sorted(want), "\n".join("\n".join(b) for b in blocks)
PY
grep -q " 3 failed$" refused.out || fail "summary: $(cat refused.out)"
# one table row per object: no message broke a row in two
python3 - refused.out <<'PY' || fail "the table: $(cat refused.out)"
import sys
rows = open(sys.argv[1]).read().splitlines()
assert rows[0].split()[:4] == ["ACTION", "RESOURCE", "NAMESPACE", "NAME"], rows[0]
failed = [r.split()[:4] for r in rows[1:-1] if r.split()[0] == "failed"]
assert sorted(failed) == [["failed", "rolebindings.rbac.authorization.k8s.io", "team", "deployer"],
                          ["failed", "rolebindings.rbac.authorization.k8s.io", "team", "editors"],
                          ["failed", "roles.rbac.authorization.k8s.io", "team", "deployer"]], rows
assert all(r.split()[0] in ("created", "skipped", "failed", "unchanged") for r in rows[1:-1]), rows
PY
# what the hint points to: kube check names the verbs taken out
expect_rc 1 hort kube check --config incluster.yaml --kubeconfig sa.kubeconfig
for missing in "bind roles.rbac.authorization.k8s.io" "escalate roles.rbac.authorization.k8s.io" \
  "bind clusterroles.rbac.authorization.k8s.io" "escalate clusterroles.rbac.authorization.k8s.io"; do
  grep -q "^missing: $missing (all namespaces)" "$WORK/last.out" || fail "kube check: $(cat "$WORK/last.out")"
done
expect_rc 1 kubectl get role deployer -n team
expect_rc 1 kubectl get rolebinding editors -n team
[ "$(kubectl get configmap settings -n team -o jsonpath='{.data.mode}')" = production ] || fail "the ConfigMap was not restored"
kubectl get serviceaccount ci -n team >/dev/null || fail "the ServiceAccount was not restored"
echo "resources rbac escalation ok"
