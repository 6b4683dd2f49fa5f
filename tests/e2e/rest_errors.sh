#!/usr/bin/env bash
# A REST server (rclone serve restic) whose answers a rule-driven fault proxy
# changes: a 404 on a listing is an error, never an empty folder (read as
# empty, snapshots/ made prune delete every pack); a key file the server will
# not give is its error, not "wrong password" (exit 12); an append-only
# server's 403 on delete says so.
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
echo "PASS"
