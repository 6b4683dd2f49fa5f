#!/usr/bin/env bash
# `hort serve` killed with SIGKILL in the middle of a backup, then restarted:
# the repository is valid (restic check --read-data), the state records the
# interrupted run as failed, and the job runs again and succeeds. Also:
# SIGTERM lets a running job finish and releases its locks; a second SIGTERM
# exits at once, with its locks and the dump command it started gone.
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 is missing"

# The job backs up a dump command reading a FIFO the test feeds, so the
# backup is caught in the middle however fast it is: packs are written, but
# the stream has not ended, so there is no snapshot yet.
mkdir -p "$WORK/src"
head -c 60000000 /dev/urandom >"$WORK/src/big.bin"
mkfifo "$WORK/feed"
cat >"$WORK/hort.yaml" <<YAML
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
services:
  app:
    classification: critical
    rpo: 1d
    files:
      - {name: data, dump: {command: "cat $WORK/feed", container: db, extension: .bin}, schedule: "@daily", repository: main}
YAML
# Feeds the FIFO once in the background: the job's next run reads big.bin and
# reaches the end of its stream.
feed_once() {
  timeout 120 sh -c "cat '$WORK/src/big.bin' >'$WORK/feed'" &
  BG_PIDS+=($!)
}
hort init -r "$WORK/repo" -q
STATE="$WORK/hort-state.sqlite"
# Pretend the job has been known since 1970: its daily slot was missed, so
# the daemon runs it right at start-up.
hort --config "$WORK/hort.yaml" status >/dev/null || true
sqlite3 "$STATE" "UPDATE jobs SET first_seen = 0"

start_serve() {
  PORT=$(free_port)
  "$HORT" --config "$WORK/hort.yaml" serve --listen "127.0.0.1:$PORT" 2>>"$WORK/serve.log" &
  SERVE=$!
  BG_PIDS+=($SERVE)
}

# The FIFO held open read-write (which does not block on a FIFO): the job's
# stream never ends while the test holds it.
hold_feed() {
  exec 3<>"$WORK/feed"
  cat "$WORK/src/big.bin" >&3 &
  FEEDER=$!
  BG_PIDS+=($FEEDER)
}
release_feed() {
  kill $FEEDER 2>/dev/null || true
  exec 3>&-
}

note "kill -9 the daemon once the backup has written packs"
hold_feed
start_serve
wait_for 30 bash -c "ls '$WORK'/repo/data/*/* 2>/dev/null | grep -q ."
[ -z "$(ls "$WORK/repo/snapshots")" ] || fail "a snapshot was written before the stream ended"
kill -9 $SERVE
wait $SERVE 2>/dev/null || true
release_feed
# The dead daemon's dump command outlives it (as it would outlive a killed
# container's main process); it must not swallow the next feed.
pkill -f "^cat $WORK/feed" || true
wait_for 10 bash -c "! pgrep -f '^cat $WORK/feed'"
[ "$(sqlite3 "$STATE" "SELECT result FROM runs ORDER BY id DESC LIMIT 1")" = running ] || fail "no running row left behind"
# The dead daemon's lock is stale by restic's own rule (same host, PID gone):
# restic unlock removes it without --remove-all.
restic -r "$WORK/repo" unlock -q
[ -z "$(ls "$WORK/repo/locks")" ] || fail "restic does not see the dead daemon's lock as stale"
restic -r "$WORK/repo" check --read-data >"$WORK/check1.log" 2>&1 || { cat "$WORK/check1.log"; fail "repository damaged by the kill"; }

note "restart: the run is recorded failed, the job runs again"
feed_once
start_serve
wait_for 60 bash -c "[ \"\$(sqlite3 '$STATE' \"SELECT count(*) FROM runs WHERE result='success'\")\" = 1 ]"
first=$(sqlite3 "$STATE" "SELECT result || '|' || error FROM runs ORDER BY id LIMIT 1")
case "$first" in failed\|interrupted*) ;; *) fail "interrupted run recorded as: $first" ;; esac
[ "$(sqlite3 "$STATE" "SELECT trigger FROM runs ORDER BY id DESC LIMIT 1")" = retry ] || fail "second run not a retry"
restic -r "$WORK/repo" check --read-data >"$WORK/check2.log" 2>&1 || { cat "$WORK/check2.log"; fail "restic check failed"; }
hort -r "$WORK/repo" restore latest --target "$WORK/restored" -q
cmp "$WORK/src/big.bin" "$WORK/restored/app-db.bin" || fail "restored data differs"
hort --config "$WORK/hort.yaml" status >"$WORK/status.txt" || { cat "$WORK/status.txt"; fail "status not OK after the rerun"; }

note "SIGTERM during a run: the run finishes, then the daemon exits 0 and leaves no lock"
kill -TERM $SERVE; wait $SERVE || fail "daemon did not exit 0 on SIGTERM"
# A pre-hook keeps the job busy long enough to be caught running.
sed -i 's|repository: main}|repository: main, hooks: {pre: ["sleep 3"]}}|' "$WORK/hort.yaml"
sqlite3 "$STATE" "UPDATE jobs SET first_seen = 0; DELETE FROM runs"
feed_once
start_serve
wait_for 30 bash -c "[ \"\$(sqlite3 '$STATE' \"SELECT count(*) FROM runs WHERE result='running'\")\" = 1 ]"
kill -TERM $SERVE
set +e; wait $SERVE; rc=$?; set -e
[ $rc = 0 ] || fail "SIGTERM exit code $rc"
[ "$(sqlite3 "$STATE" "SELECT result FROM runs ORDER BY id DESC LIMIT 1")" = success ] || fail "the running job was not finished"
[ -z "$(ls "$WORK/repo/locks")" ] || fail "locks left behind: $(ls "$WORK/repo/locks")"
grep -q "stopping: waiting for 1 running jobs" "$WORK/serve.log" || { cat "$WORK/serve.log"; fail "no shutdown message"; }
note "two SIGTERMs during a backup: exit 130, and the daemon's repository lock goes with it"
# The second signal exited at once and left the lock for the next hort (or restic unlock) to find stale.
sqlite3 "$STATE" "UPDATE jobs SET first_seen = 0; DELETE FROM runs"
hold_feed
start_serve
wait_for 30 bash -c "ls '$WORK/repo/locks' | grep -q ."
# While the job waits on its stream (however long the checks take):
# A second daemon is refused: on the same state (two ran every job twice), and on the same port (cpp-httplib's
# SO_REUSEPORT let a second one listen and answer half the requests).
expect_rc 11 hort --config "$WORK/hort.yaml" serve --listen "127.0.0.1:$(free_port)"
grep -q "another hort serve uses the state $STATE (.* is held by PID $SERVE); one daemon per state" "$WORK/last.err" ||
  fail "second serve on one state: $(cat "$WORK/last.err")"
sed 's|^repositories:|state: other-state.sqlite\nrepositories:|' "$WORK/hort.yaml" >"$WORK/other.yaml"
expect_rc 1 hort --config "$WORK/other.yaml" serve --listen "127.0.0.1:$PORT"
grep -q "cannot listen on 127.0.0.1:$PORT (address in use" "$WORK/last.err" || fail "second serve on one port: $(cat "$WORK/last.err")"
expect_rc 1 hort --config "$WORK/other.yaml" serve --listen "127.0.0.1:99999"
grep -q "listen address: port 99999 out of range 0-65535" "$WORK/last.err" || fail "port 99999: $(cat "$WORK/last.err")"
kill -TERM $SERVE
sleep 0.5
kill -TERM $SERVE
set +e; wait $SERVE; rc=$?; set -e
[ $rc = 130 ] || fail "two SIGTERMs: exit $rc"
[ -z "$(ls "$WORK/repo/locks")" ] || fail "the daemon's lock was left: $(ls "$WORK/repo/locks")"
# Nor does the dump command it started outlive it (it kept reading and held the database's connection).
wait_for 5 bash -c "! pgrep -f '^cat $WORK/feed'"
release_feed
echo "serve kill ok"
