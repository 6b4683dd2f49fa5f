#!/usr/bin/env bash
# Restore tests end to end against a real Alertmanager (Debian
# prometheus-alertmanager): a healthy test passes and records its measured
# restore time; a missing expected path, a failing smoke command, a corrupted
# pack and a deleted pack each fail, say why, clean up and are recorded; the
# silence is active while a test runs and expired afterwards — also after a
# failure and after SIGTERM; protocol and report render the rows.
source "$(dirname "$0")/lib.sh"
command -v prometheus-alertmanager >/dev/null || fail "prometheus-alertmanager is missing (Debian package)"
command -v sqlite3 >/dev/null || fail "sqlite3 is missing (Debian package)"

APORT=$(free_port)
cat >"$WORK/am.yml" <<'YAML'
route: {receiver: blackhole}
receivers: [{name: blackhole}]
YAML
prometheus-alertmanager --config.file="$WORK/am.yml" --storage.path="$WORK/am" \
  --web.listen-address="127.0.0.1:$APORT" --cluster.listen-address= >"$WORK/am.log" 2>&1 &
BG_PIDS+=($!)
AM="http://127.0.0.1:$APORT"
wait_for 30 curl -sf "$AM/api/v2/status"

# silences STATE: how many of hort's silences for service "paperless" are in STATE.
silences() {
  curl -sf "$AM/api/v2/silences" | python3 -c '
import json, sys
n = sum(1 for s in json.load(sys.stdin)
        if s["createdBy"] == "hort" and s["status"]["state"] == sys.argv[1]
        and any(m["name"] == "service" and m["value"] == "paperless" and m["isRegex"] for m in s["matchers"]))
print(n)' "$1"
}

mkdir -p "$WORK/pvc/db" "$WORK/pvc/docs"
sqlite3 "$WORK/pvc/db/db.sqlite3" "CREATE TABLE docs(id INTEGER PRIMARY KEY, body TEXT);" \
  "INSERT INTO docs(body) VALUES ('a'),('b'),('c');"
gen_tree "$WORK/pvc/docs" --small >/dev/null
cat >"$WORK/hort.yaml" <<YAML
work_dir: ./work
alertmanager: {url: $AM}
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
  copy: {url: ./repo-copy, password_env: HORT_PASSWORD}
services:
  paperless:
    namespace: productivity
    classification: critical
    rpo: 1d
    rto: 4h
    owner: alice
    files:
      - {pvc: paperless-data, source: ./pvc, schedule: "@daily", repository: main}
  other:
    namespace: elsewhere
    classification: best-effort
    rpo: 7d
    files:
      - {pvc: other-data, source: ./pvc/docs, schedule: "@daily", repository: copy}
tests:
  BT-K8-01:
    type: files
    scope: productivity
    every: 3mo
    responsible: alice
    validate:
      expect: [paperless/data/paperless-data/db/db.sqlite3]
      min_files: 10
      commands:
        - {run: "sqlite3 paperless/data/paperless-data/db/db.sqlite3 'PRAGMA integrity_check'", output_contains: ok}
        # The silence is active while the test runs.
        - "curl -sf $AM/api/v2/silences | grep -q '\"state\":\"active\"'"
  T-EXPECT:
    type: files
    scope: paperless
    every: 1mo
    validate: {expect: [paperless/data/paperless-data/db/missing.sqlite3]}
  T-SMOKE:
    type: files
    scope: paperless
    every: 1mo
    validate: {commands: ["echo 'Error: database disk image is malformed'; exit 11"]}
  T-SLOW:
    type: files
    scope: paperless
    every: 1mo
    validate: {commands: [{run: "sleep 120", timeout: 5m}]}
  T-COPY:
    type: files
    scope: other
    every: 1mo
  BT-LH-01: {type: volume, scope: paperless, every: 3mo, responsible: alice}
  T-DR: {type: dr, repositories: [copy], every: 1y}
YAML
export HORT_CONFIG="$WORK/hort.yaml"
hort init -r "$WORK/repo" -q
hort init -r "$WORK/repo-copy" -q
hort run paperless -q
hort run other -q
nfiles=$(find "$WORK/pvc" -type f -printf 'x\n' | wc -l)
nbytes=$(find "$WORK/pvc" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')

note "a healthy test passes, with the measured restore time recorded"
hort test run BT-K8-01 --json >"$WORK/ok.json" 2>"$WORK/ok.err" || { cat "$WORK/ok.err" "$WORK/ok.json"; fail "BT-K8-01 failed"; }
python3 - "$WORK/ok.json" "$nfiles" "$nbytes" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["result"] == "pass", r["findings"]
assert r["files"] == int(sys.argv[2]) and r["bytes"] == int(sys.argv[3]), (r["files"], r["bytes"], sys.argv[2:])
assert 0 < r["restore_seconds"] < 60 and r["rto_target_seconds"] == 14400 and r["rto_met"]
assert r["stage_seconds"]["restore"] > 0 and r["silence_id"], r
assert all(c["ok"] for c in r["commands"]) and "ok" in r["commands"][0]["output"]
assert r["units"][0]["host"] == "productivity" and r["units"][0]["paths"] == ["/data/paperless-data"]
PY
[ ! -e "$WORK/work/BT-K8-01-restore-test" ] || fail "scratch target left behind"
[ "$(silences expired)" = 1 ] && [ "$(silences active)" = 0 ] || fail "silence not expired after the passing test"
secs=$(python3 -c 'import json,sys; print("%.1f s" % json.load(open(sys.argv[1]))["restore_seconds"])' "$WORK/ok.json")
hort protocol --markdown >"$WORK/protocol.md"
grep -q "^| Datum | Test-ID | Ergebnis | Issues / Follow-ups | Owner |$" "$WORK/protocol.md" || fail "protocol headings"
grep -q "| BT-K8-01 | bestanden (Wiederherstellung $secs / RTO 4h, .* $nfiles Dateien, .*) | keine | alice |" "$WORK/protocol.md" ||
  { cat "$WORK/protocol.md"; fail "protocol row does not show the measured time $secs"; }
hort protocol --lang en >"$WORK/protocol.txt"
grep -q "BT-K8-01  pass (restore $secs" "$WORK/protocol.txt" || fail "English protocol"
expect_rc 1 hort protocol --test BT-K8-1  # a typo, not "never tested"
grep -q 'no test "BT-K8-1" in .* and none recorded' "$WORK/last.err" || fail "protocol --test typo: $(cat "$WORK/last.err")"
expect_rc 1 hort protocol --since 2026-02-31
grep -q "2026-02-31 is no date of the calendar" "$WORK/last.err" || fail "protocol --since: $(cat "$WORK/last.err")"
hort report --markdown >"$WORK/report.md"
grep -q "| paperless | productivity | critical |   | main | 1d | 4h | .* BT-K8-01 pass (alice) |" "$WORK/report.md" ||
  { cat "$WORK/report.md"; fail "report does not show the last restore test"; }
grep -q "| BT-K8-01 | files | productivity | 3mo | alice | .* pass | .* |" "$WORK/report.md" || fail "report test plan"

expect_failure() {  # ID PATTERN: the test fails (exit 5), says why, cleans up, records the failure
  local before; before=$(silences expired)
  expect_rc 5 hort test run "$1" --json
  python3 - "$WORK/last.out" "$2" <<'PY' || { cat "$WORK/last.out" "$WORK/last.err"; fail "$1: findings"; }
import json, re, sys
r = json.load(open(sys.argv[1]))
assert r["result"] == "fail"
assert any(re.search(sys.argv[2], f) for f in r["findings"]), r["findings"]
PY
  [ ! -e "$WORK/work/$1-restore-test" ] || fail "$1: scratch target left behind"
  [ "$(silences expired)" = $((before + 1)) ] && [ "$(silences active)" = 0 ] || fail "$1: silence not expired"
  hort protocol --json | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["test"] == sys.argv[1]]
assert rows and rows[-1]["result"] == "fail", rows' "$1" || fail "$1: no failed protocol row"
}
note "an expected path missing from the snapshot"
expect_failure T-EXPECT "expected path paperless/data/paperless-data/db/missing.sqlite3 is not in the restored data"
note "a failing smoke command"
expect_failure T-SMOKE "exited with 11: Error: database disk image is malformed"

note "a dr test takes no --snapshot (it restores the newest of every group): refused, nothing recorded"
expect_rc 1 hort test run T-DR --snapshot deadbeef
grep -q "a dr test restores the newest snapshot of every group of its repositories and takes no --snapshot" "$WORK/last.err" || fail "dr --snapshot: $(cat "$WORK/last.err")"
note "a --snapshot in no repository of the scope: refused before the row is begun, nothing recorded"
rows_before=$(hort protocol --test BT-K8-01 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_rc 1 hort test run BT-K8-01 --snapshot deadbeef
grep -q "snapshot deadbeef is not in the repositories of the test's scope; nothing was restored and nothing recorded" "$WORK/last.err" \
  || fail "files --snapshot: $(cat "$WORK/last.err")"
[ "$(hort protocol --test BT-K8-01 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = "$rows_before" ] \
  || fail "a refused --snapshot was recorded"
# Before the catalog moves paperless to the copy below.
note "report: a drill of one repository covers the services that write to it, not every service"
hort report --json >"$WORK/report.json"
python3 - "$WORK/report.json" <<'PY' || fail "report: the drill's coverage"
import json, sys
rows = {r["service"]: r for r in json.load(open(sys.argv[1]))["services"]}
assert "restore test T-DR overdue" in rows["other"]["problems"], rows["other"]
assert not any("T-DR" in p for p in rows["paperless"]["problems"]), rows["paperless"]
PY
note "a corrupted pack (in a copy of the repository)"
rm -rf "$WORK/repo-copy" && cp -a "$WORK/repo" "$WORK/repo-copy"
sed -i 's#scope: other#scope: paperless#; s#{pvc: paperless-data, source: ./pvc, schedule: "@daily", repository: main}#{pvc: paperless-data, source: ./pvc, schedule: "@daily", repository: copy}#' "$WORK/hort.yaml"
biggest=$(find "$WORK/repo-copy/data" -type f -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2)
python3 - "$biggest" <<'PY'
import os, sys
p = sys.argv[1]; n = os.path.getsize(p)
with open(p, "r+b") as f:
    f.seek(n // 3); f.write(b"\xff" * 64)
PY
expect_failure T-COPY "paperless/files/paperless-data .*(ciphertext|MAC|authentic|restore)"
note "a deleted pack"
rm -rf "$WORK/repo-copy" && cp -a "$WORK/repo" "$WORK/repo-copy"
rm "$(find "$WORK/repo-copy/data" -type f -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2)"
expect_failure T-COPY "paperless/files/paperless-data"
hort metrics >"$WORK/metrics.txt"
grep -q '^hort_restore_test_last_status{test="T-COPY",type="files",responsible="",classification="critical"} 0$' "$WORK/metrics.txt" ||
  fail "metric does not show the failed test"
grep -q '^hort_restore_test_last_status{test="BT-K8-01".*} 1$' "$WORK/metrics.txt" || fail "metric does not show the passed test"

note "SIGTERM during a test: it stops, cleans up, expires the silence and records the interruption"
rm -rf "$WORK/repo-copy" && cp -a "$WORK/repo" "$WORK/repo-copy"
"$HORT" test run T-SLOW >"$WORK/slow.out" 2>"$WORK/slow.err" &
pid=$!
BG_PIDS+=($pid)
active_is() { [ "$(silences active)" = "$1" ]; }
wait_for 60 active_is 1
wait_for 60 grep -q "validate" "$WORK/slow.err"
wait_for 10 pgrep -f "sleep 120"
note "the same test again while it runs: refused, the running one's scratch target left alone"
expect_rc 1 hort test run T-SLOW
grep -q "restore test T-SLOW runs now in hort pid $pid (since " "$WORK/last.err" || { cat "$WORK/last.err"; fail "second run's message"; }
[ -d "$WORK/work/T-SLOW-restore-test/paperless" ] || fail "the second run removed the first's scratch target"
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
[ "$rc" = 130 ] || { cat "$WORK/slow.out" "$WORK/slow.err"; fail "SIGTERM: exit $rc, expected 130"; }
[ ! -e "$WORK/work/T-SLOW-restore-test" ] || fail "SIGTERM: scratch target left behind"
[ "$(silences active)" = 0 ] || fail "SIGTERM: silence still active"
hort protocol --json | python3 -c '
import json, sys
r = [r for r in json.load(sys.stdin) if r["test"] == "T-SLOW"][-1]
assert r["result"] == "fail" and any("interrupted by a signal" in f for f in r["findings"]), r' || fail "SIGTERM: row"
pgrep -f "sleep 120" && fail "SIGTERM: the smoke command is still running"

note "a killed test is in the protocol at once, as interrupted"
"$HORT" test run T-SLOW >"$WORK/slow.out" 2>"$WORK/slow.err" &
pid=$!
BG_PIDS+=($pid)
wait_for 60 pgrep -f "sleep 120"
kill -KILL $pid
set +e; wait $pid; set -e
pkill -f "sleep 120" || true
hort protocol --json | python3 -c '
import json, sys
r = [r for r in json.load(sys.stdin) if r["test"] == "T-SLOW"]
assert len(r) == 2 and any("interrupted: the hort process" in f for f in r[-1]["findings"]), r' || fail "SIGKILL: row"

note "a volume test whose scope has no volumes entry fails, says so and is recorded; unknown tests are refused"
expect_rc 5 hort test run BT-LH-01
grep -q "no service in the test's scope has a volumes entry" "$WORK/last.out" || fail "volume message"
hort protocol --json | grep -q BT-LH-01 || fail "the failed volume test was not recorded"
expect_rc 1 hort test run NOPE
grep -q 'no test "NOPE"' "$WORK/last.err" || fail "unknown test message"

note "test due lists never-passed tests, most overdue first; test list shows the plan"
hort test due >"$WORK/due.txt"
grep -q "^T-SLOW .*never passed" "$WORK/due.txt" || { cat "$WORK/due.txt"; fail "test due"; }
grep -q "^BT-LH-01 .*never passed" "$WORK/due.txt" || fail "test due: the failed volume test"
grep -q "BT-K8-01" "$WORK/due.txt" && fail "a passed test is listed as due"
hort test list >"$WORK/list.txt"
grep -q "^BT-K8-01 .* pass " "$WORK/list.txt" || fail "test list"
note "a --snapshot run that fails for another reason (no password) is recorded; an ambiguous --snapshot prefix is refused"
count_rows() { hort protocol --test BT-K8-01 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
rows_before=$(count_rows)
HORT_PASSWORD= expect_rc 5 hort test run BT-K8-01 --snapshot deadbeef
grep -q "HORT_PASSWORD" "$WORK/last.out" || fail "no password: $(cat "$WORK/last.out" "$WORK/last.err")"
[ "$(count_rows)" = $((rows_before + 1)) ] || fail "a failed --snapshot run was not recorded"
# Snapshots of a series no test restores, in the repository BT-K8-01 restores from by now (copy), until two
# IDs share their first hex digit (at most 17).
mkdir -p "$WORK/elsewhere" && echo x >"$WORK/elsewhere/x"
prefix=
while [ -z "$prefix" ]; do
  hort backup -r "$WORK/repo-copy" -q --host elsewhere "$WORK/elsewhere"
  prefix=$(restic -r "$WORK/repo-copy" snapshots --json | python3 -c '
import collections, json, sys
firsts = collections.Counter(s["id"][0] for s in json.load(sys.stdin))
print(next((c for c, n in firsts.items() if n > 1), ""))')
done
rows_before=$(count_rows)
expect_rc 1 hort test run BT-K8-01 --snapshot "$prefix"
grep -q -- "--snapshot $prefix: multiple IDs with prefix \"$prefix\" found:.*; nothing was restored and nothing recorded" "$WORK/last.err" \
  || fail "ambiguous --snapshot: $(cat "$WORK/last.err")"
[ "$(count_rows)" = "$rows_before" ] || fail "an ambiguous --snapshot was recorded"
echo "restore tests ok"
