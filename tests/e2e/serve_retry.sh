#!/usr/bin/env bash
# hort serve retries only what may pass by itself. In one scheduled slot:
# a backup with an unreadable file saves its snapshot, is recorded "partial"
# and is not retried (one snapshot for the slot); a repository opened with a
# wrong password fails at once, says so, and is not retried either. With a
# retry backoff of 1 s, retrying failures would show as extra runs within
# seconds.
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/src"
echo readable >"$WORK/src/ok.txt"
echo secret >"$WORK/src/locked.txt"
chmod 000 "$WORK/src/locked.txt"
cat >"$WORK/hort.yaml" <<YAML
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
  other: {url: ./other, password_env: WRONG_PASSWORD}
services:
  app:
    namespace: apps
    classification: important
    rpo: 1d
    files:
      - {name: partial, path: $WORK/src, schedule: "@yearly", repository: main, keep: {last: 1}}
      - {name: password, path: $WORK/src, schedule: "@yearly", repository: other}
serve:
  retry: {attempts: 3, backoff: 1s}
YAML
if [ "$(id -u)" = 0 ]; then
  # root reads anything: the daemon runs as nobody, on files nobody owns.
  chown -R 65534:65534 "$WORK" && chmod 755 "$WORK"
  AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent)
else
  AS_USER=()
fi
# Not a function: `$!` of a backgrounded function is its subshell, and the
# daemon would outlive the test.
as_user() { "${AS_USER[@]}" "$@"; }
export HORT_CONFIG="$WORK/hort.yaml"
as_user "$HORT" init -r "$WORK/repo" -q
as_user "$HORT" init -r "$WORK/other" -q
export WRONG_PASSWORD=not-the-password
# Both jobs known since 1970: their yearly slot was missed, so serve runs it
# at start (and the next slot is months away).
as_user "$HORT" status >/dev/null || true
as_user sqlite3 "$WORK/hort-state.sqlite" "UPDATE jobs SET first_seen = 0"
PORT=$(free_port)
"${AS_USER[@]}" "$HORT" serve --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
BG_PIDS+=($!)
# The daemon has its state open once it answers (sqlite3 must not create the file first).
wait_for 20 curl -sf "http://127.0.0.1:$PORT/healthz"
runs() { sqlite3 "$WORK/hort-state.sqlite" "SELECT result || ':' || ifnull(error_code, '') FROM runs WHERE job='app/files/$1' ORDER BY id"; }
both_ran() { [ -n "$(runs partial)" ] && [ -n "$(runs password)" ] && ! runs partial | grep -q running; }
wait_for 30 both_ran || { cat "$WORK/serve.log"; fail "the scheduled runs did not happen"; }
sleep 8  # with 1 s backoff, three retries of each would have run by now
[ "$(runs partial)" = "partial:partial" ] || { cat "$WORK/serve.log"; fail "partial backup: $(runs partial | tr '\n' ' ')"; }
[ "$(runs password)" = "failed:wrong password" ] || { cat "$WORK/serve.log"; fail "wrong password: $(runs password | tr '\n' ' ')"; }
snapshots=$(as_user "$HORT" -r "$WORK/repo" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$snapshots" = 1 ] || fail "$snapshots snapshots for one slot"
as_user "$HORT" -r "$WORK/repo" ls latest | grep -q ok.txt || fail "the partial snapshot lacks the readable file"
grep -q "app/files/partial: PARTIAL: 1 source items could not be read" "$WORK/serve.log" || { cat "$WORK/serve.log"; fail "serve log: partial"; }
# ...and which one (it was never named: not in the log, not in the run's log lines).
grep -q "app/files/partial: error: $WORK/src/locked.txt (.*): .*ermission denied" "$WORK/serve.log" ||
  { cat "$WORK/serve.log"; fail "serve log: the unreadable file is not named"; }
grep -q "app/files/password: FAILED: repository other: wrong password" "$WORK/serve.log" || { cat "$WORK/serve.log"; fail "serve log: password"; }
grep -q "not-the-password" "$WORK/serve.log" "$WORK/hort-state.sqlite" && fail "the password appears in the log or the state"
as_user "$HORT" status --json >"$WORK/status.json" || true
python3 - "$WORK/status.json" <<'PY' || fail "status: $(cat "$WORK/status.json")"
import json, sys
jobs = {j["job"]: j for j in json.load(open(sys.argv[1]))["jobs"]}
p, w = jobs["app/files/partial"], jobs["app/files/password"]
assert p["status"] == "FAILED" and "could not be read" in p["last_error"], p
assert w["status"] == "FAILED" and "wrong password" in w["last_error"], w
PY
echo "serve retry ok"
