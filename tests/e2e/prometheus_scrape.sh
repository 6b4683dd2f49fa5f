#!/usr/bin/env bash
# A real Prometheus scrapes `hort serve`; its HTTP API reports what happened
# after a backup succeeds and after one fails, and the shipped alert rule
# for a failed backup fires with severity critical for a critical service.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$E2E_DIR/../.." && pwd)
command -v prometheus >/dev/null || fail "prometheus is missing (Debian package prometheus)"

mkdir -p "$WORK/src/sub"
for i in 1 2 3; do echo "file $i" >"$WORK/src/sub/f$i"; done
cat >"$WORK/hort.yaml" <<YAML
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
services:
  app:
    namespace: apps
    classification: critical
    rpo: 1h
    files:
      - {name: data, path: $WORK/src, schedule: "@daily", repository: main}
tests:
  T-FAIL: {type: files, scope: app, every: 1y, responsible: ops, validate: {expect: [app/missing.txt]}}
YAML
hort init -r "$WORK/repo" -q

HPORT=$(free_port)
"$HORT" --config "$WORK/hort.yaml" serve --listen "127.0.0.1:$HPORT" 2>"$WORK/serve.log" &
BG_PIDS+=($!)
wait_for 20 curl -sf "http://127.0.0.1:$HPORT/healthz"

PPORT=$(free_port)
cat >"$WORK/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ["$ROOT/deploy/prometheus/hort-rules.yaml"]
scrape_configs:
  - job_name: hort
    static_configs: [{targets: ["127.0.0.1:$HPORT"]}]
YAML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PPORT" >"$WORK/prometheus.log" 2>&1 &
BG_PIDS+=($!)

# query EXPR: prints the first result's value ("" when the result is empty).
query() {
  curl -sfG "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null
}
# expect_value EXPR WANT: waits (scrapes are 1 s apart) until EXPR evaluates to WANT.
expect_value() {
  local end=$((SECONDS + 30)) got=""
  while [ $SECONDS -lt $end ]; do
    got=$(query "$1" || true)
    [ "$got" = "$2" ] && return 0
    sleep 0.5
  done
  fail "Prometheus: $1 = '$got', expected '$2'"
}

expect_value 'up{job="hort"}' 1
note "before any run: never ran"
expect_value 'hort_backup_last_status{service="app",entry="data"}' -1

note "a backup succeeds"
hort --config "$WORK/hort.yaml" run app/files/data
expect_value 'hort_backup_last_status{service="app",namespace="apps",entry="data",classification="critical"}' 1
expect_value 'hort_backup_last_files{service="app"}' 3
expect_value 'hort_backup_rpo_compliant{service="app"}' 1
expect_value 'hort_backup_rpo_seconds{service="app"}' 3600
expect_value 'hort_repository_snapshots{repository="main"}' 1
expect_value 'hort_job_runs_total{hort_job="app/files/data",result="success"}' 1
[ -n "$(query 'time() - hort_backup_last_success_timestamp_seconds{service="app"} < 120')" ] || fail "last success is not recent"
success_ts=$(query 'hort_backup_last_success_timestamp_seconds{service="app"}')
expect_value 'count(ALERTS{alertname="HortBackupFailed"})' ""

note "a backup fails (source gone)"
mv "$WORK/src" "$WORK/src.gone"
expect_rc 1 hort --config "$WORK/hort.yaml" run app/files/data
expect_value 'hort_backup_last_status{service="app"}' 0
expect_value 'hort_job_runs_total{hort_job="app/files/data",result="failed"}' 1
expect_value 'hort_backup_last_success_timestamp_seconds{service="app"}' "$success_ts"
expect_value 'ALERTS{alertname="HortBackupFailed",alertstate="firing",service="app",severity="critical"}' 1

note "it recovers"
mv "$WORK/src.gone" "$WORK/src"
hort --config "$WORK/hort.yaml" run app/files/data -q
expect_value 'hort_backup_last_status{service="app"}' 1
expect_value 'hort_repository_snapshots{repository="main"}' 2
expect_value 'count(ALERTS{alertname="HortBackupFailed",alertstate="firing"})' ""

note "a restore test fails: its metric and alert react"
expect_value 'hort_restore_test_last_status{test="T-FAIL",type="files",responsible="ops",classification="critical"}' -1
expect_rc 5 hort --config "$WORK/hort.yaml" test run T-FAIL
expect_value 'hort_restore_test_last_status{test="T-FAIL"}' 0
expect_value 'hort_restore_test_due{test="T-FAIL"}' 1
expect_value 'ALERTS{alertname="HortRestoreTestFailed",alertstate="firing",test="T-FAIL",severity="critical"}' 1
echo "prometheus scrape ok"
