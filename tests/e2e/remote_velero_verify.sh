#!/usr/bin/env bash
# The scheduled verification of Velero backup storage locations from the
# catalog (velero: {locations, verify}): one location in an RGW bucket read
# with its own credentials file (nothing in AWS_*), folders with a damaged
# backup, a too-old newest backup and a missing location. `hort run
# velero/<name>` records each in the state; status, metrics and the alert
# rules (promtool, on hort's own values) say what is wrong; `resources verify
# --velero NAME` finds the catalog's location by name. The backups come from
# tests/kube/make_velero_backup.py (Velero's layout per the reference), not
# from hort.
source "$(dirname "$0")/lib.sh"
eval "$(sed 's/^/export /' "$HORT_SERVERS_DIR/env")"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
ROOT=$(cd "$E2E_DIR/../.." && pwd)
MAKE_VELERO=$E2E_DIR/../kube/make_velero_backup.py
cd "$WORK"

note "locations: two good backups (one put into RGW), a damaged one, an old one"
python3 "$MAKE_VELERO" good daily-20261202020000 >/dev/null
python3 "$MAKE_VELERO" good daily-20261203020000 >/dev/null
cp -r good damaged
python3 -c 'import sys; p=sys.argv[1]; d=open(p,"rb").read(); open(p,"wb").write(d[:len(d)//2])' \
  damaged/backups/daily-20261203020000/daily-20261203020000.tar.gz
python3 "$MAKE_VELERO" old weekly-20261101020000 >/dev/null
python3 - old/backups/weekly-20261101020000/velero-backup.json <<'PY'
import datetime, json, sys
cr = json.load(open(sys.argv[1]))
then = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=30)
cr["status"]["completionTimestamp"] = then.strftime("%Y-%m-%dT%H:%M:%SZ")
json.dump(cr, open(sys.argv[1], "w"), indent=2)
PY
# A backup Velero is still finishing (phase Finalizing, not expired) sits in `old` beside the
# too-old one: it is not counted as failed, nor as a recovery point.
python3 "$MAKE_VELERO" old daily-20261203030000 >/dev/null
sed -i 's/"phase": "Completed"/"phase": "Finalizing"/' old/backups/daily-20261203030000/velero-backup.json
# Upload `good` into a bucket of RGW's second user (curl signs; the key comes from a file, not argv).
BUCKET=velero-$$
printf 'user = "%s:%s"\n' "$HORT_TEST_S3_ACCESS_KEY_2" "$HORT_TEST_S3_SECRET_KEY_2" >curl.cfg
s3put() { curl -sfS -K curl.cfg --aws-sigv4 "aws:amz:us-east-1:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }
s3put -X PUT "$HORT_TEST_S3_ENDPOINT/$BUCKET" >/dev/null || fail "cannot create the bucket"
(cd good && find backups -type f) | while read -r key; do
  s3put -T "good/$key" "$HORT_TEST_S3_ENDPOINT/$BUCKET/cluster/$key" >/dev/null || fail "upload of $key"
done
printf '[velero]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
  "$HORT_TEST_S3_ACCESS_KEY_2" "$HORT_TEST_S3_SECRET_KEY_2" >velero-credentials

hort init -r repo -q
cat >hort.yaml <<YAML
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
services:
  media:
    classification: critical
    rpo: 1d
    resources: [{name: manifests, schedule: "@daily", repository: main}]
velero:
  locations:
    nas:
      url: s3:$HORT_TEST_S3_ENDPOINT/$BUCKET/cluster
      credentials: {file: ./velero-credentials, profile: velero}
      rpo: 26h
    damaged: {url: ./damaged}
    old: {url: ./old, rpo: 26h}
    missing: {url: ./nothing-here, rpo: 26h}
  verify: {schedule: "@daily", level: 4}
YAML
expect_rc 0 hort config check --config hort.yaml
grep -q "velero/nas" "$WORK/last.out" || fail "config check lists no velero/nas job: $(cat "$WORK/last.out")"

note "hort run velero/nas: both backups reach L4 through the catalog's credentials"
expect_rc 0 hort run --config hort.yaml velero/nas
expect_rc 0 hort --config hort.yaml --json resources verify --velero nas
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert [x["level_reached"] for x in c]==[4,4], c' \
  "$WORK/last.out" || fail "verify --velero nas: $(cat "$WORK/last.out")"

note "damaged: the job fails naming the backup and the level"
expect_rc 1 hort run --config hort.yaml velero/damaged
grep -q "1 of 2 Velero backups fail verification, first daily-20261203020000: L2: " "$WORK/last.err" \
  || fail "damaged: $(cat "$WORK/last.err")"
expect_rc 1 hort --config hort.yaml resources verify --velero damaged
grep -q "^daily-20261203020000 .*FAILED at L2" "$WORK/last.out" || fail "verify --velero damaged: $(cat "$WORK/last.out")"

note "old: every backup is fine, the newest is older than the location's RPO"
expect_rc 1 hort run --config hort.yaml velero/old
grep -q "the newest Completed Velero backup weekly-20261101020000 finished 30 h ago, older than the RPO of 26 h" \
  "$WORK/last.err" || fail "old: $(cat "$WORK/last.err")"
expect_rc 1 hort --config hort.yaml -v run velero/old
grep -q "daily-20261203030000: not counted, phase Finalizing is not terminal" "$WORK/last.err" \
  || fail "the backup in progress: $(cat "$WORK/last.err")"
note "missing: no Velero backups there at all (a wrong prefix or folder) fails, rpo or not"
expect_rc 1 hort run --config hort.yaml velero/missing
grep -q "Velero location missing: no Velero backups at .*nothing-here (nothing under backups/)" "$WORK/last.err" \
  || fail "missing: $(cat "$WORK/last.err")"
expect_rc 1 hort resources verify --velero "$WORK/nothing-here"
grep -q "no Velero backups at" "$WORK/last.err" || fail "verify of an empty location: $(cat "$WORK/last.err")"
note "a location name that the catalog does not know is an error, not a new folder"
expect_rc 1 hort --config hort.yaml resources verify --velero nass
one_line "$WORK/last.err"
grep -q 'no velero.locations entry "nass"' "$WORK/last.err" || fail "typo: $(cat "$WORK/last.err")"
[ ! -e nass ] || fail "a folder nass was made"
grep -q "$HORT_TEST_S3_SECRET_KEY_2" "$WORK"/*.out "$WORK"/*.err hort-state.sqlite && fail "the secret leaked"

note "status shows a row per location"
expect_rc 4 hort status --config hort.yaml  # 4: the critical media service never backed up
grep -q "velero .*nas .*OK" "$WORK/last.out" || fail "status nas: $(cat "$WORK/last.out")"
grep -q "velero .*damaged .*FAILED" "$WORK/last.out" || fail "status damaged: $(cat "$WORK/last.out")"

note "metrics per location, and the alerts fire on hort's values"
expect_rc 0 hort metrics --config hort.yaml
promtool check metrics <"$WORK/last.out" >/dev/null 2>&1 || { promtool check metrics <"$WORK/last.out"; fail "promtool rejects the exposition"; }
m() { sed -n "s/^$1{location=\"$2\",classification=\"critical\"} //p" "$WORK/metrics.txt"; }
cp "$WORK/last.out" "$WORK/metrics.txt"
[ "$(m hort_velero_backups nas)" = 2 ] && [ "$(m hort_velero_failed_backups nas)" = 0 ] \
  && [ "$(m hort_velero_verify_last_status nas)" = 1 ] || fail "nas metrics: $(grep velero "$WORK/metrics.txt")"
[ "$(m hort_velero_failed_backups damaged)" = 1 ] && [ "$(m hort_velero_verify_last_status damaged)" = 0 ] \
  || fail "damaged metrics: $(grep 'location="damaged"' "$WORK/metrics.txt")"
[ "$(m hort_velero_rpo_seconds old)" = 93600 ] || fail "rpo metric"
now=$(date +%s)
newest=$(m hort_velero_newest_completed_timestamp_seconds old)
age=$((now - newest))
[ "$age" -gt 100000 ] && [ "$age" -lt 110000 ] || fail "the newest completed backup of old is $age s old"
failed=$(m hort_velero_failed_backups damaged)
status_missing=$(m hort_velero_verify_last_status missing)
# Prometheus's humanizeDuration of the age at the alert's eval time (now + 15m).
old_age=$(python3 -c 'import sys; s=900+int(sys.argv[1]); d,s=divmod(s,86400); h,s=divmod(s,3600); m,s=divmod(s,60); print(f"{d}d {h}h {m}m {s}s")' "$((now - newest))")
cat >alert.test.yaml <<YAML
rule_files: [$ROOT/deploy/prometheus/hort-rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - {series: 'hort_velero_failed_backups{location="damaged",classification="critical"}', values: '${failed}x60'}
      - {series: 'hort_velero_verify_last_status{location="damaged",classification="critical"}', values: '0x60'}
      - {series: 'hort_velero_verify_last_status{location="missing",classification="critical"}', values: '${status_missing}x60'}
      - {series: 'hort_velero_newest_completed_timestamp_seconds{location="old",classification="critical"}', values: '$((newest - now + 259200))x4400'}
      - {series: 'hort_velero_rpo_seconds{location="old",classification="critical"}', values: '93600x4400'}
    alert_rule_test:
      - eval_time: 1m
        alertname: HortVeleroBackupInvalid
        exp_alerts:
          - exp_labels: {severity: critical, location: damaged, classification: critical}
            exp_annotations:
              summary: "1 Velero backups in damaged fail verification"
              description: "hort's verification found Velero backups in damaged that would not restore cleanly. Run \`hort resources verify --velero damaged\` to see the level and problem of each."
      - eval_time: 40m
        alertname: HortVeleroVerifyFailing
        exp_alerts:
          - exp_labels: {severity: critical, location: missing, classification: critical}
            exp_annotations:
              summary: "hort cannot verify the Velero location missing"
              description: "The last verification of missing failed without naming a damaged backup: the location is unreadable or empty, or its newest backup is too old. See \`hort status\`."
      - eval_time: 4335m
        alertname: HortVeleroBackupTooOld
        exp_alerts:
          - exp_labels: {severity: critical, location: old, classification: critical}
            exp_annotations:
              summary: "The newest Completed Velero backup in old is older than its RPO"
              description: "The newest Completed backup is $old_age old. Is Velero's schedule running, and do its backups complete? See \`velero backup get\`."
YAML
# promtool's clock starts at 0: the completion time is given relative to it, 3 days in (so it stays
# above 0, which means "none"), and the alert is evaluated 3 days and 15 minutes in: the age is hort's.
promtool test rules alert.test.yaml >/dev/null || { promtool test rules alert.test.yaml; fail "the alerts did not fire on hort's values"; }
echo "velero verify ok"
