#!/usr/bin/env bash
# A REST server (rclone serve restic) whose answers a rule-driven fault proxy
# changes: a 404 on a listing is an error, never an empty folder (read as
# empty, snapshots/ made prune delete every pack); a key file the server will
# not give is its error, not "wrong password" (exit 12); an append-only
# server's 403 on delete says so; a 400 says the server calls the request
# malformed; a catalog command takes -o over the catalog's `options:`.
source "$(dirname "$0")/lib.sh"
rport=$(free_port)
pport=$(free_port)
mkdir -p "$WORK/rest" "$WORK/src"
RCLONE_CONFIG=/dev/null rclone serve restic "$WORK/rest" --addr "127.0.0.1:$rport" >"$WORK/rclone.log" 2>&1 &
BG_PIDS+=("$!"); disown "$!"
RULES=$WORK/rules
: >"$RULES"
python3 "$E2E_DIR/../servers/fault_proxy.py" "$pport" "127.0.0.1:$rport" 0 0 1 "$RULES" 2>"$WORK/proxy.log" >"$WORK/proxy.out" &
BG_PIDS+=("$!"); disown "$!"
wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$rport/"
wait_for 10 grep -q ready "$WORK/proxy.out"
repo="rest:http://127.0.0.1:$pport/r"
packs() { find "$WORK/rest/r/data" -type f | wc -l; }

hort -r "$repo" init >/dev/null
head -c 3000000 /dev/urandom >"$WORK/src/a"
hort -r "$repo" backup "$WORK/src" >/dev/null
head -c 3000000 /dev/urandom >"$WORK/src/b"
hort -r "$repo" backup "$WORK/src" >/dev/null
before=$(packs)
[ "$before" -ge 2 ] || fail "only $before packs"

note "a 404 on the snapshots listing fails snapshots and prune; prune deletes nothing"
echo "GET /r/snapshots/ 404" >"$RULES"
expect_rc 1 hort -r "$repo" snapshots
grep -q "list snapshots: HTTP 404" "$WORK/last.err" || fail "snapshots: $(cat "$WORK/last.err")"
expect_rc 1 hort -r "$repo" prune
grep -q "list snapshots: HTTP 404" "$WORK/last.err" || fail "prune: $(cat "$WORK/last.err")"
[ "$(packs)" = "$before" ] || fail "prune removed packs while the snapshots listing failed: $(packs) of $before left"
: >"$RULES"
hort -r "$repo" check >/dev/null 2>&1 || fail "the repository is damaged after the refused prune"

key=$(ls "$WORK/rest/r/keys")
for status in 500 403 404; do
  note "a key file answered $status is that error (exit 1), not a wrong password"
  echo "GET /r/keys/$key $status" >"$RULES"
  expect_rc 1 hort -o retry.max-time=2 -r "$repo" snapshots
  grep -q "reading key file keys/$key: .*HTTP $status\|reading key file keys/$key: keys/$key not found" "$WORK/last.err" \
    || fail "key file $status: $(cat "$WORK/last.err")"
  grep -q "wrong password" "$WORK/last.err" && fail "key file $status read as a wrong password"
done
: >"$RULES"
expect_rc 12 env HORT_PASSWORD=not-it "$HORT" -r "$repo" snapshots  # a real wrong password still is one

note "an append-only server's 403 on delete says so"
for f in "$WORK"/rest/r/snapshots/*; do echo "DELETE /r/snapshots/${f##*/} 403"; done >"$RULES"
expect_rc 1 hort -r "$repo" forget --keep-last 1
grep -q "HTTP 403: the server refuses deletes (an append-only REST server)" "$WORK/last.err" || fail "forget: $(cat "$WORK/last.err")"

note "a 400 is named as a malformed request, not a bare code"
echo "GET /r/config 400" >"$RULES"
expect_rc 1 hort -r "$repo" snapshots
grep -q "HTTP 400: the server calls the request malformed" "$WORK/last.err" || fail "400: $(cat "$WORK/last.err")"

note "hort run: -o retry.max-time on the command line wins over the catalog's options"
cat >"$WORK/hort.yaml" <<YAML
state: $WORK/state.sqlite
repositories:
  main: {url: "$repo", password_env: HORT_PASSWORD, options: {retry.max-time: "3600"}}
services:
  app:
    classification: best-effort
    rpo: 1d
    files:
      - {name: src, path: $WORK/src, schedule: "@daily", repository: main, keep: {last: 3}}
YAML
echo "GET /r/config 503" >"$RULES"
# With the command line's 2 s the run fails in a few seconds; with the
# catalog's hour its retries hold it for about 90 s (their count ends them),
# past timeout's 30 s (exit 124).
expect_rc 1 timeout 30 "$HORT" --config "$WORK/hort.yaml" -o retry.max-time=2 run app
grep -q "HTTP 503" "$WORK/last.out" "$WORK/last.err" || fail "run: $(cat "$WORK/last.out" "$WORK/last.err")"
: >"$RULES"
expect_rc 0 "$HORT" --config "$WORK/hort.yaml" run app
expect_rc 1 "$HORT" --config "$WORK/hort.yaml" -o retry.max-time=x run app
grep -q "retry.max-time" "$WORK/last.err" || fail "a bad -o value: $(cat "$WORK/last.err")"
echo "PASS"
