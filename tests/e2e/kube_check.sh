#!/usr/bin/env bash
# hort kube check against the test API server (TLS, tokens, RBAC): all
# permissions for the admin; a ServiceAccount whose role lacks one permission
# gets exactly that one named (and kubectl agrees); bad connections each give
# one line naming the problem, exit 1, and never the token.
source "$(dirname "$0")/lib.sh"
start_kube
cd "$WORK"

note "the admin has every permission"
expect_rc 0 hort kube check
grep -q "^server: .*Kubernetes v1\." "$WORK/last.out" || fail "no server version: $(cat "$WORK/last.out")"
grep -q "^user: *admin (groups .*system:masters" "$WORK/last.out" || fail "who hort is: $(cat "$WORK/last.out")"
! grep -q " NO " "$WORK/last.out" || fail "the admin lacks a permission"

note "the role of a catalog with files dumps only: no resources or volumes grants"
cat >files.yaml <<'YAML'
repositories: {main: {url: ./repo, password_env: HORT_PASSWORD}}
services:
  db:
    classification: important
    rpo: 1d
    files: [{dump: {command: pg_dumpall, container: postgres, pod: "app=db"}, schedule: "@daily", repository: main}]
YAML
hort kube role >all.json
python3 - all.json <<'PY'
import json, sys
roles = json.load(open(sys.argv[1]))
assert roles["kind"] == "List", "without a catalog: the ClusterRole and the agent's Role in hort's namespace"
cluster, own = roles["items"]
rules = cluster["rules"]
assert any(r["apiGroups"] == ["*"] for r in rules), "without a catalog the role grants every layer's needs"
assert any(r["apiGroups"] == ["longhorn.io"] for r in rules), rules
assert own["kind"] == "Role" and own["metadata"]["namespace"] == "hort" and own["rules"][0]["resources"] == ["leases"], own
# kube-apiserver lets a restore create Roles and bindings granting more than hort holds only with escalate and bind.
for kind in ("roles", "clusterroles"):
    rule = [r for r in rules if r["apiGroups"] == ["rbac.authorization.k8s.io"] and r["resources"] == [kind]]
    assert rule and rule[0]["verbs"] == ["bind", "escalate"], (kind, rules)
PY

note "a ServiceAccount whose role lacks create pods/exec"
kubectl create namespace backup >/dev/null
kubectl create serviceaccount hort -n backup >/dev/null
hort kube role --config files.yaml >role.json
python3 - role.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["kind"] == "ClusterRole" and r["metadata"]["name"] == "hort"
groups = {g for x in r["rules"] for g in x["apiGroups"]}
assert groups == {""}, f"a files-only catalog needs core resources only, not {groups}"
before = len(r["rules"])
r["metadata"]["name"] = "hort-partial"
r["rules"] = [x for x in r["rules"] if x["resources"] != ["pods/exec"]]
assert len(r["rules"]) == before - 1, "the role has no pods/exec rule to drop"
json.dump(r, open("partial.json", "w"))
PY
kubectl apply -f partial.json >/dev/null
kubectl create clusterrolebinding hort-partial --clusterrole=hort-partial --serviceaccount=backup:hort >/dev/null
TOKEN=$(kubectl create token hort -n backup)
[ -n "$TOKEN" ] || fail "kubectl create token gave nothing"
printf '%s' "$TOKEN" >sa.token
sa_kubeconfig "$WORK/sa.token" sa.kubeconfig
[ "$(kubectl --kubeconfig sa.kubeconfig auth can-i create pods --subresource=exec -A || true)" = no ] || fail "kubectl says the SA may exec"
[ "$(kubectl --kubeconfig sa.kubeconfig auth can-i list pods -A)" = yes ] || fail "kubectl says the SA may not list pods"
expect_rc 1 hort kube check --config files.yaml --kubeconfig sa.kubeconfig
grep -q "^user: *system:serviceaccount:backup:hort" "$WORK/last.out" || fail "SA identity: $(cat "$WORK/last.out")"
[ "$(grep -c '^missing: ' "$WORK/last.out")" = 1 ] || fail "expected exactly one missing permission: $(cat "$WORK/last.out")"
grep -q "^missing: create pods/exec (all namespaces)" "$WORK/last.out" || fail "the missing one is not named"
one_line "$WORK/last.err"
grep -q "Fatal: 1 of [0-9]* permissions missing, first: create pods/exec" "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
# Both streams into one file (a pipe, a log): the table, then the Fatal line on a line of its own.
set +e; "$HORT" kube check --config files.yaml --kubeconfig sa.kubeconfig >both.txt 2>&1; set -e
tail -1 both.txt | grep -q "^Fatal: 1 of [0-9]* permissions missing" || fail "the Fatal line is not last: $(cat both.txt)"
[ "$(grep -c Fatal both.txt)" = 1 ] && grep -q "^Fatal" both.txt || fail "the Fatal line is inside a row: $(cat both.txt)"
expect_rc 1 hort kube check --config files.yaml --kubeconfig sa.kubeconfig --json
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["missing"]==["create pods/exec"], j["missing"]' "$WORK/last.out"

note "the whole role grants everything"
python3 -c 'import json,sys; r=json.load(open("role.json")); r["metadata"]["name"]="hort-partial"; json.dump(r, open("full.json","w"))'
kubectl apply -f full.json >/dev/null
expect_rc 0 hort kube check --config files.yaml --kubeconfig sa.kubeconfig

note "a forbidden request carries the API's message"
kubectl delete clusterrolebinding hort-partial >/dev/null
expect_rc 1 hort kube coverage --kubeconfig sa.kubeconfig
one_line "$WORK/last.err"
grep -q 'persistentvolumeclaims is forbidden: User "system:serviceaccount:backup:hort" cannot list resource "persistentvolumeclaims"' "$WORK/last.err" \
  || fail "403 message: $(cat "$WORK/last.err")"

check_bad() {  # check_bad KUBECONFIG PATTERN: exit 1, one line on stderr matching PATTERN, no token
  expect_rc 1 hort kube check --kubeconfig "$1"
  one_line "$WORK/last.err"
  grep -q "$2" "$WORK/last.err" || fail "for $1 expected /$2/, got: $(cat "$WORK/last.err")"
  ! grep -qF "$TOKEN" "$WORK/last.out" "$WORK/last.err" || fail "the token leaked"
  ! grep -qF "hort-test-admin-token" "$WORK/last.out" "$WORK/last.err" || fail "a token leaked"
}

note "an expired token"
kubectl apply -f full.json >/dev/null
kubectl create clusterrolebinding hort-full --clusterrole=hort-partial --serviceaccount=backup:hort >/dev/null
kube_control expire-tokens
check_bad sa.kubeconfig "rejected hort's credentials (Unauthorized)"

note "an unreachable server"
sed "s#$KUBE_URL#https://127.0.0.1:$(free_port)#" sa.kubeconfig >down.kubeconfig
check_bad down.kubeconfig "cannot reach the Kubernetes API at https://127.0.0.1:[0-9]*"

note "a wrong CA"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=other-ca" -keyout other.key -out other.crt 2>/dev/null
sed "s#certificate-authority: [^}]*}}#certificate-authority: $WORK/other.crt}}#" sa.kubeconfig >wrongca.kubeconfig
check_bad wrongca.kubeconfig "certificate"

note "a static token from the token file works, a wrong one is rejected"
sed "s#tokenFile: [^}]*}#token: hort-test-admin-token}#" sa.kubeconfig >static.kubeconfig
expect_rc 0 hort kube check --kubeconfig static.kubeconfig
! grep -qF "hort-test-admin-token" "$WORK/last.out" "$WORK/last.err" || fail "the static token leaked"
sed "s#tokenFile: [^}]*}#token: not-a-valid-token}#" sa.kubeconfig >badtoken.kubeconfig
check_bad badtoken.kubeconfig "Unauthorized"
! grep -qF "not-a-valid-token" "$WORK/last.err" || fail "the bad token leaked"

note "a kubeconfig without a current context"
grep -v '^current-context' sa.kubeconfig >nocontext.kubeconfig
check_bad nocontext.kubeconfig "current-context"

note "a context naming a missing cluster"
sed 's/context: {cluster: test,/context: {cluster: gone,/' sa.kubeconfig >nocluster.kubeconfig
check_bad nocluster.kubeconfig '"gone"'

note "--context picks another context; an unknown one is named"
expect_rc 1 hort kube check --kubeconfig sa.kubeconfig --context nope
one_line "$WORK/last.err"
grep -q '"nope"' "$WORK/last.err" || fail "unknown context not named: $(cat "$WORK/last.err")"
echo "kube check ok"
