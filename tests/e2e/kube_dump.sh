#!/usr/bin/env bash
# K8up-style application-aware backups through the Kubernetes API: a SQLite
# database in a pod's container is dumped with `sqlite3 app.db .dump` through
# pods/exec and becomes a snapshot at /<ns>-<container>.sql that restic lists
# and restores byte for byte; a failing command gives no snapshot and an error
# with its exit status and stderr; K8up's backupcommand annotations work.
source "$(dirname "$0")/lib.sh"
start_kube
cd "$WORK"

kubectl create namespace productivity >/dev/null
cat >pods.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: paperless-db-0, namespace: productivity, labels: {app: paperless-db}}
spec:
  containers:
    - {name: postgres, image: postgres:16}
    - {name: exporter, image: prom/postgres-exporter}
---
apiVersion: v1
kind: Pod
metadata:
  name: wiki-0
  namespace: productivity
  annotations:
    k8up.io/backupcommand: sh -c 'cat pages.txt'
    k8up.io/file-extension: .txt
  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: wiki, uid: 0f9e6c1a-1111-4a5b-9c3d-000000000001}]
spec:
  containers: [{name: wiki, image: wiki:1}]
---
apiVersion: v1
kind: Pod
metadata:
  name: wiki-1
  namespace: productivity
  annotations: {k8up.io/backupcommand: "false"}
  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: wiki, uid: 0f9e6c1a-1111-4a5b-9c3d-000000000001}]
spec:
  containers: [{name: wiki, image: wiki:1}]
YAML
kubectl apply -f pods.yaml >/dev/null
wait_for 10 sh -c '[ "$(kubectl get pod paperless-db-0 -n productivity -o jsonpath={.status.phase})" = Running ]'

DB="$KUBE_DIR/state/containers/productivity/paperless-db-0/postgres"
[ -d "$DB" ] || fail "the test server made no directory for the container: $DB"
sqlite3 "$DB/app.db" "create table docs(id integer primary key, title text); insert into docs(title) values ('invoice'),('letter'),('tax 2026');"
sqlite3 "$DB/app.db" .dump >expected.sql
printf 'Home\nRecipes\n' >"$KUBE_DIR/state/containers/productivity/wiki-0/wiki/pages.txt"

hort init -r repo >/dev/null
cat >hort.yaml <<YAML
kubernetes: {kubeconfig: $KUBECONFIG}
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
services:
  paperless:
    namespace: productivity
    classification: important
    rpo: 1d
    files:
      - name: db
        schedule: "@daily"
        repository: main
        dump: {pod: "app=paperless-db", container: postgres, command: [sqlite3, app.db, .dump], extension: .sql}
      - name: broken
        schedule: "@daily"
        repository: main
        dump: {pod: paperless-db-0, container: exporter, extension: .sql,
               command: "echo partial; echo 'pg_dump: connection to server failed' >&2; exit 7"}
      - name: nopod
        schedule: "@daily"
        repository: main
        dump: {pod: paperless-db-9, container: postgres, command: [true]}
      - name: annotated
        schedule: "@daily"
        repository: main
        k8up_annotations: true
YAML

note "a dump through exec becomes /productivity-postgres.sql"
expect_rc 0 hort run --config hort.yaml paperless/files/db
restic -r repo snapshots --json >snaps.json
python3 - snaps.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert len(s) == 1, s
assert s[0]["paths"] == ["/productivity-postgres.sql"], s[0]["paths"]
assert s[0]["hostname"] == "productivity", s[0]["hostname"]
PY
restic -r repo dump latest /productivity-postgres.sql >got.sql
cmp expected.sql got.sql || fail "restic dump differs from sqlite3 .dump"
restic -r repo restore latest --target restored >/dev/null
cmp expected.sql restored/productivity-postgres.sql || fail "restic restore differs"
grep -q "tax 2026" got.sql || fail "the dump lacks the data"

note "a failing command: no snapshot, its exit status and stderr in one line"
expect_rc 1 hort run --config hort.yaml paperless/files/broken
grep -q "exit status 7" "$WORK/last.out" "$WORK/last.err" || fail "no exit status in: $(cat "$WORK/last.err")"
grep -q "connection to server failed" "$WORK/last.out" "$WORK/last.err" || fail "no stderr in: $(cat "$WORK/last.err")"
[ "$(restic -r repo snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] \
  || fail "a failed dump wrote a snapshot"

note "a missing pod is named"
expect_rc 1 hort run --config hort.yaml paperless/files/nopod
grep -q 'paperless-db-9' "$WORK/last.out" "$WORK/last.err" || fail "the missing pod is not named"

note "K8up's annotations: one pod per owner, extension appended"
expect_rc 0 hort run --config hort.yaml paperless/files/annotated
restic -r repo snapshots --json --path /productivity-wiki.txt >snaps.json
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' snaps.json)" = 1 ] || fail "no /productivity-wiki.txt snapshot"
[ "$(restic -r repo dump latest /productivity-wiki.txt)" = "$(printf 'Home\nRecipes')" ] || fail "wrong annotated dump"
# wiki-1 has the same owner: its `false` command would have failed the run.

note "config check --kube finds the missing pod"
expect_rc 1 hort config check --config hort.yaml --kube
grep -q "pod productivity/paperless-db-9 does not exist" "$WORK/last.err" || fail "config check --kube: $(cat "$WORK/last.err")"

note "config check --kube checks a resources entry's cluster objects, named as kubectl names types"
kubectl create clusterrole paperless-reader --verb=get --resource=pods >/dev/null
# resources_yaml FIELDS: a catalog whose service paperless has one resources entry with these fields too.
resources_yaml() {
  cat <<YAML
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
services:
  paperless:
    namespace: productivity
    classification: important
    rpo: 1d
    resources:
      - schedule: "@daily"
        repository: main
$1
YAML
}
resources_yaml "        cluster: [{resource: clusterrole, names: [paperless-reader, gone-reader]}, {resource: nosuchkind, names: [x]}]" \
  >cluster.yaml
expect_rc 1 hort config check --config cluster.yaml --kube
grep -q "clusterroles.rbac.authorization.k8s.io gone-reader does not exist" "$WORK/last.err" || fail "config check --kube: $(cat "$WORK/last.err")"
grep -q 'cluster: the cluster serves no resource "nosuchkind"' "$WORK/last.err" || fail "config check --kube: $(cat "$WORK/last.err")"
grep -q "paperless-reader" "$WORK/last.err" && fail "an existing ClusterRole was reported: $(cat "$WORK/last.err")"

note "config check --kube checks every namespace a resources entry names, and the types it includes"
resources_yaml "        namespaces: [productivity, ghost]
        include: [deployments, configmap, widgets]
        exclude: [secrets]" >namespaces.yaml
expect_rc 1 hort config check --config namespaces.yaml --kube
grep -q "services.paperless.resources.resources (line [0-9]*): namespace ghost does not exist" "$WORK/last.err" \
  || fail "config check --kube, namespaces: $(cat "$WORK/last.err")"
grep -q 'include: the cluster serves no resource "widgets"' "$WORK/last.err" || fail "config check --kube, include: $(cat "$WORK/last.err")"
[ "$(wc -l <"$WORK/last.err")" = 2 ] || fail "config check --kube reported more than ghost and widgets: $(cat "$WORK/last.err")"

note "config check --kube: a required type that include/exclude leave out fails as the backup would"
resources_yaml "        include: [deployments, configmaps]
        require: [configmap, secret]" >require.yaml
expect_rc 1 hort config check --config require.yaml --kube
grep -q "services.paperless.resources.resources (line [0-9]*): require: secrets is left out by include/exclude" "$WORK/last.err" \
  || fail "config check --kube, require: $(cat "$WORK/last.err")"
expect_rc 1 hort run paperless/resources/resources --config require.yaml
grep -q "require: secrets is left out by include/exclude" "$WORK/last.err" || fail "the backup's own refusal: $(cat "$WORK/last.err")"
echo "kube dump ok"
