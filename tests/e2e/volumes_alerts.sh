#!/usr/bin/env bash
# The volumes layer's alerts on hort's own values: a catalog volumes entry on
# an image (verify: true) backed up into a Longhorn-format store, then a byte
# flipped in one of its block files and the job run again. hort's metrics
# textfile after each run is fed to promtool as it is (every sample of the
# families the alerts read; timestamps moved onto promtool's clock): after the
# clean run nothing fires; after the damaged one HortVolumeVerifyFailed and
# HortBackupFailed (layer="volumes") fire with hort's labels, HortBackupLate
# fires once the real last success is older than the real RPO, and a snapshots
# job that cannot reach its cluster makes HortVolumeSnapshotFailing and
# HortVolumeSnapshotsStale fire. The command the verify alert names finds the
# same damage.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$E2E_DIR/../.." && pwd)
command -v promtool >/dev/null || fail "promtool is missing (Debian package prometheus)"
cd "$WORK"

truncate -s 16M disk.img
head -c 3M /dev/urandom | dd of=disk.img bs=1M seek=4 conv=notrunc status=none
cat >hort.yaml <<YAML
kubernetes: {kubeconfig: ./no-cluster.kubeconfig}
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
volume_stores:
  nas: {url: ./store}
services:
  paperless:
    namespace: productivity
    classification: critical
    rpo: 1h
    volumes:
      - {image: ./disk.img, name: paperless-data, schedule: "@daily", store: nas, verify: true}
      - {pvc: media, schedule: "@daily", store: nas, snapshots: {schedule: "@hourly", keep: {last: 3}}}
YAML

# series FILE NOW: hort's samples of the families the volumes alerts read, as promtool input series
# (1600 minutes). A timestamp t > 0 becomes t - NOW + 1 day: promtool's clock starts at 0, so
# NOW is 1 day in and every age is hort's; 0 (never) stays 0.
series() {
  python3 - "$1" "$2" <<'PY'
import re, sys
now = int(sys.argv[2])
families = ("hort_volume_verify_last_status", "hort_volume_snapshot_last_status",
            "hort_volume_snapshot_last_success_timestamp_seconds", "hort_volume_snapshot_expected_interval_seconds",
            "hort_backup_last_status", "hort_backup_last_success_timestamp_seconds", "hort_backup_rpo_seconds")
n = 0
for line in open(sys.argv[1]):
    m = re.match(r"^([a-z_]+)(\{.*\}) (\S+)$", line.strip())
    if not m or m.group(1) not in families:
        continue
    name, labels, v = m.group(1), m.group(2), float(m.group(3))
    if name.endswith("_timestamp_seconds") and v > 0:
        v = int(v) - now + 86400
    print(f"      - {{series: '{name}{labels}', values: '{int(v) if v == int(v) else v}x1600'}}")
    n += 1
if n == 0:
    sys.exit("no samples of the alerts' families in hort's metrics")
PY
}
# alerts_test NAME INPUT-SERIES: a promtool test file with hort's series; the alert_rule_test part follows on stdin.
alerts_test() {
  { printf 'rule_files: [%s]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n' \
      "$ROOT/deploy/prometheus/hort-rules.yaml"
    cat "$2"
    printf '    alert_rule_test:\n'
    cat
  } >"$1"
}
run_promtool() {
  promtool test rules "$1" >"$WORK/promtool.out" 2>&1 || { cat "$WORK/promtool.out"; fail "$2"; }
}
L_VOL='store: nas, volume: paperless-data, service: paperless, entry: paperless-data, classification: critical'
L_JOB='service: paperless, namespace: productivity, layer: volumes, entry: paperless-data, repository: nas, classification: critical'
L_MEDIA='service: paperless, namespace: productivity, layer: volumes, entry: media, repository: nas, classification: critical'
L_SNAP='service: paperless, namespace: productivity, entry: media, classification: critical'

note "a clean, verified backup: hort's values make no volumes alert fire"
expect_rc 0 hort --config hort.yaml -v run paperless/volumes/paperless-data
grep -q "verify: 2 blocks read, every one matches its name" "$WORK/last.err" || fail "run 1: $(cat "$WORK/last.err")"
hort --config hort.yaml metrics --textfile clean.prom
promtool check metrics <clean.prom || fail "promtool rejects hort's exposition"
grep -q '^hort_volume_verify_last_status{store="nas",volume="paperless-data",service="paperless",entry="paperless-data",classification="critical"} 1$' clean.prom \
  || fail "verify status after a clean run: $(grep hort_volume_verify clean.prom)"
series clean.prom "$(date +%s)" >clean.series
alerts_test clean.test.yaml clean.series <<YAML
      - eval_time: 1440m
        alertname: HortVolumeVerifyFailed
        exp_alerts: []
      - eval_time: 1440m
        alertname: HortBackupFailed
        exp_alerts: []
      - eval_time: 1440m
        alertname: HortVolumeSnapshotFailing
        exp_alerts: []
YAML
run_promtool clean.test.yaml "an alert fires on the clean run's values"

note "a byte flipped in one block file; the next run verifies and finds it"
blocks=(store/backupstore/volumes/*/*/paperless-data/blocks/*/*/*.blk)
[ "${#blocks[@]}" = 2 ] && [ -f "${blocks[0]}" ] || fail "expected 2 block files, found: ${blocks[*]}"
chmod u+w "${blocks[0]}"
python3 -c 'import sys; p=sys.argv[1]; d=bytearray(open(p,"rb").read()); d[len(d)//2]^=0x01; open(p,"wb").write(d)' "${blocks[0]}"
block=$(basename "${blocks[0]}" .blk)
expect_rc 1 hort --config hort.yaml -v run paperless/volumes/paperless-data
grep -q "incremental backup .* 2 already stored" "$WORK/last.err" || fail "run 2 did not back up: $(cat "$WORK/last.err")"
grep -q "verify: volume paperless-data: backup .*: block $block at offset .* is damaged" "$WORK/last.err" \
  || fail "run 2 does not name the damaged block: $(cat "$WORK/last.err")"
note "the command the alert names finds the same block"
expect_rc 1 hort volumes verify --store ./store --volume paperless-data --read-data
grep -q "$block" "$WORK/last.out" "$WORK/last.err" || fail "volumes verify: $(cat "$WORK/last.out" "$WORK/last.err")"

note "a snapshots job whose cluster is unreachable fails"
expect_rc 1 hort --config hort.yaml run paperless/volumes/media/snapshots
grep -q "no-cluster.kubeconfig does not exist" "$WORK/last.err" || fail "snapshots: $(cat "$WORK/last.err")"

note "hort's values after the damaged run make the alerts fire"
hort --config hort.yaml metrics --textfile damaged.prom
promtool check metrics <damaged.prom || fail "promtool rejects hort's exposition"
now=$(date +%s)
series damaged.prom "$now" >damaged.series
grep -q "hort_volume_verify_last_status{.*volume=\"paperless-data\".*values: '0x1600'" damaged.series \
  || fail "verify status after damage: $(grep verify damaged.series)"
success=$(sed -n 's/^hort_backup_last_success_timestamp_seconds{.*entry="paperless-data".*} \([0-9]*\).*/\1/p' damaged.prom)
[ -n "$success" ] && [ $((now - success)) -lt 300 ] || fail "the first run's success is not in the metrics: '$success'"
# Prometheus's humanizeDuration of the ages at 1510m: the first run's success (hort's timestamp on
# promtool's clock, see series) and the media entry's never (0).
age() { python3 -c 'import sys; s=int(sys.argv[1]); d,s=divmod(s,86400); h,s=divmod(s,3600); m,s=divmod(s,60); print(f"{d}d {h}h {m}m {s}s" if d else f"{h}h {m}m {s}s")' "$1"; }
late_age=$(age $((90600 - (success - now + 86400))))
# What the damage must make fire; the clean run's values must fail the same expectations.
cat >damage.expect <<YAML
      - eval_time: 1m
        alertname: HortVolumeVerifyFailed
        exp_alerts:
          - exp_labels: {severity: critical, $L_VOL}
            exp_annotations:
              summary: "Backups of volume paperless-data in nas are damaged"
              description: "hort's verification after paperless/paperless-data found blocks in nas that do not match their names: a backup of paperless-data would not restore exactly. Run \`hort volumes verify --store <the store's URL> --volume paperless-data --read-data\` to see which."
      - eval_time: 1m
        alertname: HortBackupFailed
        exp_alerts:
          - exp_labels: {severity: critical, $L_JOB}
            exp_annotations:
              summary: "Backup paperless/paperless-data failed"
              description: "The last volumes backup of paperless (productivity) to nas failed. See \`hort status\`."
YAML
{ cat damage.expect; cat <<YAML; } | alerts_test damaged.test.yaml damaged.series
      - eval_time: 1m
        alertname: HortVolumeSnapshotFailing
        exp_alerts:
          - exp_labels: {severity: critical, $L_SNAP}
            exp_annotations:
              summary: "Snapshot of paperless/media failed"
              description: "The last run of paperless/volumes/media/snapshots (productivity) failed or its snapshot never became ready. See \`hort status\`."
      # 1 day in is hort's "now": the first run's success is seconds old, the media entry never
      # succeeded (0) and is late; an hour and 10 minutes later both are.
      - eval_time: 1440m
        alertname: HortBackupLate
        exp_alerts:
          - exp_labels: {severity: critical, $L_MEDIA}
            exp_annotations:
              summary: "Backup paperless/media is older than its RPO"
              description: "The last successful backup is 1d 0h 0m 0s old, more than the service's RPO."
      - eval_time: 1510m
        alertname: HortBackupLate
        exp_alerts:
          - exp_labels: {severity: critical, $L_JOB}
            exp_annotations:
              summary: "Backup paperless/paperless-data is older than its RPO"
              description: "The last successful backup is $late_age old, more than the service's RPO."
          - exp_labels: {severity: critical, $L_MEDIA}
            exp_annotations:
              summary: "Backup paperless/media is older than its RPO"
              description: "The last successful backup is 1d 1h 10m 0s old, more than the service's RPO."
      # Never a successful snapshot (0), hourly: stale after two hours on promtool's clock, firing 10m later.
      - eval_time: 125m
        alertname: HortVolumeSnapshotsStale
        exp_alerts: []
      - eval_time: 131m
        alertname: HortVolumeSnapshotsStale
        exp_alerts:
          - exp_labels: {severity: critical, $L_SNAP}
            exp_annotations:
              summary: "No snapshot of paperless/media for two intervals"
              description: "The last successful snapshot is 2h 11m 0s old, more than twice the snapshot schedule's interval (or there never was one). See \`hort status\`."
YAML
run_promtool damaged.test.yaml "the volumes alerts did not fire on hort's values after the damage"

note "the same expectations fail on the clean run's values (the test can fail)"
alerts_test clean-expecting-damage.test.yaml clean.series <damage.expect
expect_rc 1 promtool test rules clean-expecting-damage.test.yaml
grep -q "alertname: HortVolumeVerifyFailed" "$WORK/last.out" "$WORK/last.err" || fail "promtool failed for another reason: $(cat "$WORK/last.out" "$WORK/last.err")"
grep -q "alertname: HortBackupFailed" "$WORK/last.out" "$WORK/last.err" || fail "promtool failed for another reason: $(cat "$WORK/last.out" "$WORK/last.err")"
echo "volumes alerts ok"
