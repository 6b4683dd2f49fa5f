#!/usr/bin/env bash
# hort serve runs due `auto` restore tests by itself (one that never passed
# is due at once), records them with trigger "auto", exports the result, and
# leaves manual tests alone; a failed automatic test is not retried at every
# tick. (The frequencies over months are replayed with a fake clock in
# VerifyTest.DueDatesAndAutomaticRunsFollowEvery.)
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/src"
for i in 1 2 3 4; do echo "file $i" >"$WORK/src/f$i"; done
cat >"$WORK/hort.yaml" <<YAML
work_dir: ./work
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
services:
  app:
    namespace: apps
    classification: important
    rpo: 1d
    files:
      - {name: data, path: $WORK/src, schedule: "@yearly", repository: main}
tests:
  T-AUTO: {type: files, scope: app, every: 3mo, auto: true, responsible: ops, validate: {min_files: 4}}
  T-AUTO-FAIL: {type: files, scope: app, every: 3mo, auto: true, validate: {min_files: 99}}
  T-MANUAL: {type: files, scope: app, every: 3mo}
YAML
export HORT_CONFIG="$WORK/hort.yaml"
hort init -r "$WORK/repo" -q
hort run app -q
PORT=$(free_port)
"$HORT" serve --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
BG_PIDS+=($!)
wait_for 20 curl -sf "http://127.0.0.1:$PORT/healthz"
rows() { hort protocol --json | python3 -c 'import json,sys; print(" ".join(sorted("%s:%s:%s" % (r["test"], r["trigger"], r["result"]) for r in json.load(sys.stdin))))'; }
has_both() { [ "$(rows)" = "T-AUTO-FAIL:auto:fail T-AUTO:auto:pass" ]; }
wait_for 60 has_both || { rows; cat "$WORK/serve.log"; fail "automatic tests did not run"; }
curl -sf "http://127.0.0.1:$PORT/metrics" >"$WORK/metrics.txt"
grep -q '^hort_restore_test_last_status{test="T-AUTO",type="files",responsible="ops",classification="important"} 1$' "$WORK/metrics.txt" ||
  fail "metric for T-AUTO"
grep -q '^hort_restore_test_due{test="T-AUTO",.*} 0$' "$WORK/metrics.txt" || fail "T-AUTO still due"
grep -q '^hort_restore_test_due{test="T-MANUAL",.*} 1$' "$WORK/metrics.txt" || fail "T-MANUAL should be due"
sleep 4  # several ticks: neither the failed nor the manual test runs again
[ "$(rows)" = "T-AUTO-FAIL:auto:fail T-AUTO:auto:pass" ] || fail "unexpected runs: $(rows)"
grep -q "restore test T-AUTO: pass" "$WORK/serve.log" || fail "serve log"
echo "serve auto tests ok"
