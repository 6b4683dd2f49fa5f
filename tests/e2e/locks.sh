#!/usr/bin/env bash
# Locks are restic's: a live lock of the other tool blocks a conflicting
# command (hort exits 11 and says who holds it); shared locks coexist.
source "$(dirname "$0")/lib.sh"
gen_tree "$WORK/src" --small
restic_init "$WORK/repo"
fifo="$WORK/stdin.fifo"
mkfifo "$fifo"
# restic backup --stdin holds a shared lock while it waits for its input.
restic -r "$WORK/repo" backup --stdin --stdin-filename held < "$fifo" >/dev/null &
restic_pid=$!
exec 3>"$fifo"
for _ in $(seq 1 200); do [ -n "$(ls "$WORK/repo/locks")" ] && break; sleep 0.05; done
[ -n "$(ls "$WORK/repo/locks")" ] || fail "restic did not create its lock"
note "exclusive hort check vs restic's shared lock → 11"
expect_rc 11 "$HORT" -r "$WORK/repo" check
grep -q "PID $restic_pid" "$WORK/last.err" || fail "the holder was not named: $(cat "$WORK/last.err")"
grep -q '`unlock` removes a stale lock, and `--retry-lock 5m` waits for a running one' "$WORK/last.err" || fail "no hint: $(cat "$WORK/last.err")"
one_line "$WORK/last.err"
note "shared hort backup next to restic's shared lock → fine"
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null
echo "data" >&3
exec 3>&-
wait "$restic_pid"
note "hort's own shared lock blocks restic check"
fifo2="$WORK/stdin2.fifo"
mkfifo "$fifo2"
"$HORT" -r "$WORK/repo" backup --stdin --stdin-filename held2 < "$fifo2" >/dev/null &
hort_pid=$!
exec 4>"$fifo2"
for _ in $(seq 1 200); do [ -n "$(ls "$WORK/repo/locks")" ] && break; sleep 0.05; done
if restic -r "$WORK/repo" check >/dev/null 2>&1; then fail "restic check ignored hort's lock"; fi
echo "more" >&4
exec 4>&-
wait "$hort_pid"
[ -z "$(ls "$WORK/repo/locks")" ] || fail "a lock was left behind"
restic -r "$WORK/repo" check --read-data >/dev/null
note "SIGINT and SIGTERM: a line (restic's for SIGINT; restic 0.14 does not catch SIGTERM), exit 130, the lock removed"
for sig in INT TERM; do
  fifo3="$WORK/stdin-$sig.fifo"; mkfifo "$fifo3"
  "$HORT" -r "$WORK/repo" backup --stdin --stdin-filename held3 <"$fifo3" >/dev/null 2>"$WORK/sig.err" &
  hort_pid=$!
  exec 5>"$fifo3"
  for _ in $(seq 1 200); do [ -n "$(ls "$WORK/repo/locks")" ] && break; sleep 0.05; done
  [ -n "$(ls "$WORK/repo/locks")" ] || fail "the backup took no lock"
  kill -s "$sig" "$hort_pid"
  rc=0; wait "$hort_pid" || rc=$?
  exec 5>&-
  [ "$rc" = 130 ] || fail "SIG$sig: exit $rc, expected 130"
  want="signal interrupt received, cleaning up"; [ "$sig" = TERM ] && want="signal terminated received, cleaning up"
  [ "$(cat "$WORK/sig.err")" = "$want" ] || fail "SIG$sig: stderr '$(cat "$WORK/sig.err")', expected '$want'"
  [ -z "$(ls "$WORK/repo/locks")" ] || fail "SIG$sig left a lock"
done
