#!/usr/bin/env bash
# BT-LH-01 (restore test type `volume`) end to end: a 256 MiB image holding a
# real ext4 filesystem is backed up by `hort run` into a local Longhorn-format
# volume store; `hort test run BT-LH-01` restores the latest backup to a
# scratch image, every block checked, runs e2fsck -fn on it and a smoke
# command that reads a file out of the image ($HORT_TEST_IMAGE), passes and
# records the protocol row with the RTO. SIGTERM during the smoke command:
# exit 130, the scratch image gone, the interruption recorded. Then the
# filesystem's metadata is damaged in the source, backed up again, and the
# test fails with e2fsck's own words.
source "$(dirname "$0")/lib.sh"
for tool in mkfs.ext4 debugfs e2fsck; do
  command -v $tool >/dev/null || fail "$tool is missing (Debian package e2fsprogs)"
done
cd "$WORK"

IMG=$WORK/paperless.img
truncate -s 256M "$IMG"
mkfs.ext4 -q -F "$IMG"
printf 'Dear Alice,\nthe invoice is attached.\n' >letter.txt
head -c 6M /dev/urandom >scan.pdf
debugfs -w -R "mkdir docs" "$IMG" >/dev/null 2>&1
debugfs -w -R "write letter.txt docs/letter.txt" "$IMG" >/dev/null 2>&1
debugfs -w -R "write scan.pdf docs/scan.pdf" "$IMG" >/dev/null 2>&1
e2fsck -fn "$IMG" >/dev/null 2>&1 || fail "the fresh filesystem does not check clean"

cat >hort.yaml <<YAML
work_dir: ./work
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
volume_stores:
  nas: {url: ./store}
services:
  paperless:
    namespace: productivity
    classification: critical
    rpo: 1d
    rto: 4h
    owner: alice
    volumes:
      - {image: $IMG, name: data, schedule: "@daily", store: nas}
tests:
  BT-LH-01:
    type: volume
    scope: paperless
    every: 3mo
    responsible: alice
    validate:
      min_bytes: 268435456
      commands:
        - {run: 'debugfs -R "cat /docs/letter.txt" "\$HORT_TEST_IMAGE"', output_contains: "the invoice is attached"}
  T-SLOW:
    type: volume
    scope: paperless
    every: 3mo
    # Its own PID in a file: pgrep would also see other tests' sleeps on a shared machine.
    validate: {commands: [{run: "echo \$\$ >$WORK/smoke.pid; exec sleep 37", timeout: 5m}]}
YAML
export HORT_CONFIG=$WORK/hort.yaml

note "config check and the test plan treat the volume test as runnable"
hort config check >check.out
grep -q "test BT-LH-01 .*volume" check.out || fail "config check: $(cat check.out)"
grep -q "not available" check.out && fail "config check still says the layer is not available: $(cat check.out)"
hort test due >due.txt
grep -q "^BT-LH-01 .*never passed" due.txt || fail "test due: $(cat due.txt)"
grep -q "not available" due.txt && fail "test due still says the layer is not available"

note "hort run backs up the image; the test restores it, e2fsck finds it clean, the smoke command reads the letter"
hort run paperless/volumes/data -q
backup=$(hort volumes ls --store "$WORK/store" --volume data --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["last_backup"])')
[ -n "$backup" ] || fail "no backup of volume data"
hort test run BT-LH-01 --json >ok.json 2>ok.err || { cat ok.err ok.json; fail "BT-LH-01 failed"; }
python3 - ok.json "$backup" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["result"] == "pass", r["findings"]
assert r["snapshots"] == ["data nas:" + sys.argv[2]], r["snapshots"]
assert r["bytes"] == 256 << 20, r["bytes"]
assert 3 <= r["files"] <= 128, r["files"]  # blocks: the metadata and the 6 MiB scan, not the holes
assert 0 < r["restore_seconds"] < 120 and r["rto_target_seconds"] == 14400 and r["rto_met"], r
assert any(f.startswith("note: paperless/volumes/data: e2fsck -fn clean, ") for f in r["findings"]), r["findings"]
assert len(r["commands"]) == 1 and r["commands"][0]["ok"], r["commands"]
PY
[ ! -e work/BT-LH-01-restore-test ] || fail "scratch target left behind"
secs=$(python3 -c 'import json,sys; print("%.1f s" % json.load(open(sys.argv[1]))["restore_seconds"])' ok.json)
hort protocol --lang en >protocol.txt
grep -q "BT-LH-01  pass (restore $secs / RTO 4h, 256.000 MiB, [0-9]* blocks, .*note: paperless/volumes/data: e2fsck -fn clean" protocol.txt ||
  { cat protocol.txt; fail "protocol row"; }
hort test run BT-LH-01 >text.out 2>/dev/null || { cat text.out; fail "BT-LH-01 (text) failed"; }
grep -q "^  restore   .*: 256.000 MiB, [0-9]* blocks, " text.out || { cat text.out; fail "text report: restore line"; }
grep -q "^    data nas:$backup$" text.out || { cat text.out; fail "text report: the volume line"; }
grep -q "e2fsck -fn on each ext2/3/4 image" text.out || { cat text.out; fail "text report: validate line"; }

note "SIGTERM during the smoke command: exit 130, the scratch image removed, the interruption recorded"
"$HORT" test run T-SLOW >slow.out 2>slow.err &
pid=$!
BG_PIDS+=($pid)
wait_for 60 test -s smoke.pid
[ -f work/T-SLOW-restore-test/paperless/data.img ] || fail "no scratch image while the smoke command runs"
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
[ "$rc" = 130 ] || { cat slow.out slow.err; fail "SIGTERM: exit $rc, expected 130"; }
[ ! -e work/T-SLOW-restore-test ] || fail "SIGTERM: scratch target (image) left behind"
hort protocol --json | python3 -c '
import json, sys
r = [r for r in json.load(sys.stdin) if r["test"] == "T-SLOW"][-1]
assert r["result"] == "fail" and any("interrupted by a signal" in f for f in r["findings"]), r' || fail "SIGTERM: protocol row"
! kill -0 "$(cat smoke.pid)" 2>/dev/null || fail "SIGTERM: the smoke command is still running"

note "the filesystem's metadata damaged in the source (an inode cleared), backed up again: e2fsck fails the test"
debugfs -w -R "clri /docs/letter.txt" "$IMG" 2>/dev/null
hort run paperless/volumes/data -q
expect_rc 5 hort test run BT-LH-01 --json
python3 - "$WORK/last.out" <<'PY' || { cat "$WORK/last.out" "$WORK/last.err"; fail "damaged filesystem: findings"; }
import json, re, sys
r = json.load(open(sys.argv[1]))
assert r["result"] == "fail"
f = [f for f in r["findings"] if f.startswith("paperless/volumes/data: e2fsck -fn exited with 4: ")]
assert f and "has deleted/unused inode" in f[0], r["findings"]
assert not r["commands"][0]["ok"], r["commands"]  # the letter's inode is gone
PY
[ ! -e work/BT-LH-01-restore-test ] || fail "damaged filesystem: scratch target left behind"
hort protocol --json | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["test"] == "BT-LH-01"]
assert [r["result"] for r in rows] == ["pass", "pass", "fail"], rows' || fail "protocol rows of BT-LH-01"

note "a block damaged in the store: the restore fails, and no smoke command runs on the missing image"
# A block the latest backup names (volume.cfg's LastBackupName, its first block).
blk=$(python3 - <<'PY'
import glob, json
vol = json.load(open(glob.glob("store/backupstore/volumes/*/*/*/volume.cfg")[0]))
folder = glob.glob("store/backupstore/volumes/*/*/*/volume.cfg")[0].rsplit("/", 1)[0]
backup = json.load(open(f"{folder}/backups/backup_{vol['LastBackupName']}.cfg"))
s = backup["Blocks"][0]["BlockChecksum"]
print(f"{folder}/blocks/{s[:2]}/{s[2:4]}/{s}.blk")
PY
)
[ -f "$blk" ] || fail "no block of the latest backup: $blk"
printf 'garbage' | dd of="$blk" bs=1 seek=16 conv=notrunc status=none
expect_rc 5 hort test run BT-LH-01 --json
python3 - "$WORK/last.out" <<'PY' || { cat "$WORK/last.out" "$WORK/last.err"; fail "damaged block: findings"; }
import json, sys
r = json.load(open(sys.argv[1]))
assert r["result"] == "fail" and any("paperless/volumes/data" in f for f in r["findings"]), r["findings"]
assert r["commands"] == [], r["commands"]
assert "note: smoke commands not run: a volume was not restored" in r["findings"], r["findings"]
PY
echo "volumes restore test ok"
