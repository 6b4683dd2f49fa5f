#!/usr/bin/env bash
# key list/add/passwd/remove, tag --add/--remove/--set, unlock and --retry-lock,
# each checked through restic as well.
source "$(dirname "$0")/lib.sh"
gen_tree "$WORK/src" --small
hort -r "$WORK/repo" init >/dev/null
hort -r "$WORK/repo" backup --tag daily "$WORK/src" >/dev/null

note "key add: restic opens the repository with the new password"
HORT_NEW_PASSWORD=second-password hort -r "$WORK/repo" key add >/dev/null
RESTIC_PASSWORD=second-password restic -r "$WORK/repo" snapshots >/dev/null
[ "$(restic -r "$WORK/repo" key list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ] || fail "expected 2 keys"
note "key passwd: the old password stops working, the new one works"
HORT_NEW_PASSWORD=third-password hort -r "$WORK/repo" key passwd >/dev/null
HORT_PASSWORD=e2e-password expect_rc 12 "$HORT" -r "$WORK/repo" snapshots
export HORT_PASSWORD=third-password RESTIC_PASSWORD=third-password
hort -r "$WORK/repo" snapshots >/dev/null
note "key remove: the other key goes, the current one cannot"
other=$(hort -r "$WORK/repo" key list --json | python3 -c 'import json,sys; print([k["id"] for k in json.load(sys.stdin) if not k["current"]][0])')
current=$(hort -r "$WORK/repo" key list --json | python3 -c 'import json,sys; print([k["id"] for k in json.load(sys.stdin) if k["current"]][0])')
# key list --json is restic's byte for byte (field order, short IDs; hort gave whole IDs, keys sorted).
diff <(restic -r "$WORK/repo" key list --json | python3 -c 'import json,sys; print(json.dumps(sorted(json.load(sys.stdin), key=lambda k: k["id"])))') \
  <(hort -r "$WORK/repo" key list --json | python3 -c 'import json,sys; print(json.dumps(sorted(json.load(sys.stdin), key=lambda k: k["id"])))') ||
  fail "key list --json differs from restic's"
[ "$(hort -r "$WORK/repo" key list --json | python3 -c 'import json,sys; print(list(json.load(sys.stdin)[0]))')" = \
  "['current', 'id', 'userName', 'hostName', 'created']" ] || fail "key list --json: not restic's field order"
[ ${#other} = 8 ] || fail "key list --json gives the whole ID: $other"
other_full=$(hort -r "$WORK/repo" list keys | grep "^$other")
[ "$(hort -r "$WORK/repo" key remove "$other")" = "removed key $other_full" ] || fail "key remove does not name the key in full, as restic"
expect_rc 1 "$HORT" -r "$WORK/repo" key remove "$current"
# restic 0.14 exits 1 for a wrong password (12 came in restic 0.17).
if RESTIC_PASSWORD=second-password restic -r "$WORK/repo" snapshots >/dev/null 2>&1; then fail "removed key still opens"; fi

note "tag: add, remove, set; restic sees the result"
[ "$(hort -r "$WORK/repo" tag --add x --tag no-such-tag)" = "no snapshots were modified" ] || fail "tag on nothing: not restic's line"
hort -r "$WORK/repo" tag --add pre-upgrade,manual >/dev/null
hort -r "$WORK/repo" tag --remove manual >/dev/null
tags=$(restic -r "$WORK/repo" snapshots --json | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]; print(",".join(sorted(s["tags"])), bool(s.get("original")))')
[ "$tags" = "daily,pre-upgrade True" ] || fail "unexpected tags: $tags"
hort -r "$WORK/repo" tag --set only >/dev/null
[ "$(hort -r "$WORK/repo" snapshots --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["tags"])')" = "['only']" ] || fail "--set failed"
note "tag --set '' changes nothing, as in restic 0.14 (its tag lists drop empty tags)"
for tool in restic "$HORT"; do
  expect_rc 0 "$tool" -r "$WORK/repo" tag --set ''
  grep -q "no snapshots were modified" "$WORK/last.out" "$WORK/last.err" || fail "$tool tag --set '': $(cat "$WORK/last.out" "$WORK/last.err")"
  [ "$(hort -r "$WORK/repo" snapshots --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["tags"])')" = "['only']" ] || fail "$tool: --set '' changed the tags"
done
note "tag --set with the tags a snapshot has rewrites it, as restic 0.14 does (a new ID, the same tags)"
for tool in restic "$HORT"; do
  before=$(ls "$WORK/repo/snapshots")
  "$tool" -r "$WORK/repo" tag --set only | grep -qx "modified tags on 1 snapshots" || fail "$tool: tag --set only again"
  after=$(ls "$WORK/repo/snapshots")
  [ "$before" != "$after" ] && [ "$(echo "$after" | wc -l)" = 1 ] || fail "$tool: snapshots $before -> $after"
done
restic -r "$WORK/repo" check >/dev/null

note "unlock removes a dead process's lock, --remove-all also live ones"
set +e; HORT_TEST_CRASH_AT=backup:before-snapshot "$HORT" -r "$WORK/repo" backup "$WORK/src" >/dev/null 2>&1; set -e
[ "$(ls "$WORK/repo/locks" | wc -l)" = 1 ] || fail "the crashed backup left no lock to test with"
hort -r "$WORK/repo" unlock | grep -q "removed 1 locks" || fail "stale lock not removed"
fifo="$WORK/fifo"; mkfifo "$fifo"
restic -r "$WORK/repo" backup --stdin < "$fifo" >/dev/null 2>&1 &
rpid=$!
exec 3>"$fifo"
for _ in $(seq 1 200); do [ -n "$(ls "$WORK/repo/locks")" ] && break; sleep 0.05; done
hort -r "$WORK/repo" unlock | grep -q "removed 0 locks" || fail "unlock removed a live lock"

note "--retry-lock waits for the holder to finish"
( sleep 2; echo data >&3; exec 3>&- ) &
exec 3>&-
hort -r "$WORK/repo" --retry-lock 30s check >/dev/null || fail "check did not wait for the lock"
wait "$rpid"
