#!/usr/bin/env bash
# hort and restic back up into one repository at the same time; a prune that
# starts during a backup waits (--retry-lock) or exits 11; nothing is lost.
source "$(dirname "$0")/lib.sh"
gen_tree "$WORK/src" --small
hort -r "$WORK/repo" init >/dev/null
# hold_stdin TOOL NAME FIFO: starts a backup that holds its lock until its
# stdin (the fifo, opened here as fd $held_fd) is written and closed.
hold_stdin() {
  mkfifo "$3"
  if [ "$1" = hort ]; then "$HORT" -r "$WORK/repo" backup --stdin --stdin-filename "$2" < "$3" >/dev/null &
  else restic -r "$WORK/repo" backup --stdin --stdin-filename "$2" < "$3" >/dev/null & fi
  held_pid=$!
  exec {held_fd}>"$3"  # opening the writer lets the backup start
  for _ in $(seq 1 200); do [ -n "$(ls "$WORK/repo/locks")" ] && break; sleep 0.05; done
  [ -n "$(ls "$WORK/repo/locks")" ] || fail "$1 backup did not take its lock"
}

note "restic backs up while a hort backup is running"
hold_stdin hort dump1 "$WORK/f1"; hpid=$held_pid
restic -r "$WORK/repo" backup "$WORK/src" >/dev/null || fail "restic backup failed next to hort's"
kill -0 "$hpid" || fail "hort backup ended early"
echo "hort data" >&$held_fd; exec {held_fd}>&-
wait "$hpid" || fail "hort backup failed next to restic's"

note "hort backs up while a restic backup is running"
hold_stdin restic dump2 "$WORK/f2"; rpid=$held_pid
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null || fail "hort backup failed next to restic's"
kill -0 "$rpid" || fail "restic backup ended early"
echo "restic data" >&$held_fd; exec {held_fd}>&-
wait "$rpid" || fail "restic backup failed next to hort's"
[ "$(ls "$WORK/repo/snapshots" | wc -l)" = 4 ] || fail "expected 4 snapshots"

note "prune during a backup: exits 11 at once, or waits with --retry-lock"
hold_stdin hort dump3 "$WORK/f3"; hpid=$held_pid
expect_rc 11 "$HORT" -r "$WORK/repo" prune
grep -q "locked" "$WORK/last.err" || fail "no lock message"
if restic -r "$WORK/repo" prune >/dev/null 2>&1; then fail "restic prune ran during hort's backup"; fi
( sleep 2; echo "late data" >&$held_fd ) &
exec {held_fd}>&-
hort -r "$WORK/repo" --retry-lock 1m prune >/dev/null || fail "prune with --retry-lock failed"
wait "$hpid" || fail "the backup failed"
restic -r "$WORK/repo" check --read-data >/dev/null
hort -r "$WORK/repo" snapshots --json | python3 -c '
import json, sys
paths = sorted(tuple(s["paths"]) for s in json.load(sys.stdin))
assert paths.count(("/dump1",)) == 1 and paths.count(("/dump2",)) == 1 and paths.count(("/dump3",)) == 1, paths
assert len(paths) == 5, paths'
for f in dump1 dump3; do
  id=$(hort -r "$WORK/repo" snapshots --path "/$f" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
  hort -r "$WORK/repo" dump "$id" "/$f" | grep -q data || fail "$f content lost"
done
hort -r "$WORK/repo" restore latest --path "$WORK/src" --target "$WORK/out" >/dev/null
treecmp "$WORK/src" "$WORK/out$WORK/src"
