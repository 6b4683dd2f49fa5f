#!/usr/bin/env bash
# Locks are restic's: a live lock of the other tool blocks a conflicting
# command (hort exits 11 and says who holds it); shared locks coexist. The
# reading commands take restic 0.14's shared lock, so prune waits for them.
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

note "restic unlock asks a live hort with SIGHUP: hort goes on, its lock stays"
# By default the signal killed hort (exit 129) and left its lock.
fifo4="$WORK/stdin-hup.fifo"; mkfifo "$fifo4"
"$HORT" -r "$WORK/repo" backup --stdin --stdin-filename held4 <"$fifo4" >/dev/null &
hort_pid=$!
exec 6>"$fifo4"
for _ in $(seq 1 200); do [ -n "$(ls "$WORK/repo/locks")" ] && break; sleep 0.05; done
[ -n "$(ls "$WORK/repo/locks")" ] || fail "the backup took no lock"
restic -r "$WORK/repo" unlock >/dev/null 2>&1
sleep 0.2
# A killed child stays a zombie until waited for (kill -0 still finds it): its state tells.
[ "$(awk '{print $3}' "/proc/$hort_pid/stat")" != Z ] || fail "restic unlock killed hort"
[ -n "$(ls "$WORK/repo/locks")" ] || fail "restic unlock removed the live hort's lock"
echo "data" >&6
exec 6>&-
wait "$hort_pid" || fail "the backup failed after the SIGHUP"
hort -r "$WORK/repo" snapshots --json | grep -q '"/held4"' || fail "no snapshot of the backup restic unlock asked"

note "a dead restic's lock on this host: hort does not remove it by itself (restic never does; the PID may be another container's), unlock does"
fifo5="$WORK/stdin-dead.fifo"; mkfifo "$fifo5"
restic -r "$WORK/repo" backup --stdin --stdin-filename dead <"$fifo5" >/dev/null 2>&1 &
restic_pid=$!
exec 7>"$fifo5"
for _ in $(seq 1 200); do [ -n "$(ls "$WORK/repo/locks")" ] && break; sleep 0.05; done
kill -9 "$restic_pid"; wait "$restic_pid" 2>/dev/null || true
exec 7>&-
[ -n "$(ls "$WORK/repo/locks")" ] || fail "the killed restic left no lock"
expect_rc 11 "$HORT" -r "$WORK/repo" check
grep -q "PID $restic_pid" "$WORK/last.err" || fail "the dead restic's lock was not named: $(cat "$WORK/last.err")"
expect_rc 1 restic -r "$WORK/repo" check
hort -r "$WORK/repo" unlock | grep -q "removed 1 locks" || fail "unlock did not remove the dead restic's lock"
hort -r "$WORK/repo" check >/dev/null

note "a container restarted after a SIGKILL (OOM): a new PID namespace, the same pod and container; its predecessor's lock goes at once, a sidecar's stays"
# unshare --pid --fork: hort is PID 1 of a PID namespace of its own, as in a
# container; HORT_POD_UID and HORT_CONTAINER_NAME are what the rendered
# manifests set. Seen from here, the dead PID 1 is alive (this machine's init).
hold_lock_in_container() {  # $1: container name; leaves the killed hort's lock
  local fifo="$WORK/stdin-$1.fifo"
  mkfifo "$fifo"
  HORT_POD_UID=3c9a1f0e-7b2d-4e5f-8a6b-1c2d3e4f5a6b HORT_CONTAINER_NAME="$1" \
    unshare --pid --fork --mount-proc "$HORT" -r "$WORK/repo" backup --stdin --stdin-filename "$1" <"$fifo" >/dev/null 2>&1 &
  local unshare_pid=$!
  exec 9>"$fifo"
  for _ in $(seq 1 200); do [ -n "$(ls "$WORK/repo/locks")" ] && break; sleep 0.05; done
  [ -n "$(ls "$WORK/repo/locks")" ] || fail "hort in the container ($1) took no lock"
  kill -9 "$(pgrep -P "$unshare_pid")"
  wait "$unshare_pid" 2>/dev/null || true
  exec 9>&-
  [ "$(ls "$WORK/repo/locks" | wc -l)" = 1 ] || fail "the killed hort ($1) left no lock"
}
hold_lock_in_container hort
HORT_POD_UID=3c9a1f0e-7b2d-4e5f-8a6b-1c2d3e4f5a6b HORT_CONTAINER_NAME=hort expect_rc 0 "$HORT" -r "$WORK/repo" check
grep -q "removed stale lock .* of PID 1 on $(hostname)" "$WORK/last.err" || fail "the lock was not named as removed: $(cat "$WORK/last.err")"
[ -z "$(ls "$WORK/repo/locks")" ] || fail "a lock was left behind after the check"
hold_lock_in_container sidecar
HORT_POD_UID=3c9a1f0e-7b2d-4e5f-8a6b-1c2d3e4f5a6b HORT_CONTAINER_NAME=hort expect_rc 11 "$HORT" -r "$WORK/repo" check
HORT_POD_UID=3c9a1f0e-7b2d-4e5f-8a6b-1c2d3e4f5a6b expect_rc 11 "$HORT" -r "$WORK/repo" check  # no container name: nothing proven
hort -r "$WORK/repo" unlock --remove-all | grep -q "removed 1 locks" || fail "unlock --remove-all did not remove the sidecar's lock"

note "find and stats hold restic's shared lock: a prune meanwhile exits 11 and removes no pack; --no-lock takes none"
command -v strace >/dev/null || fail "strace is not installed (./run installs it)"
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null
hort -r "$WORK/repo" forget --keep-last 1 >/dev/null  # packs for a prune to remove
packs() { find "$WORK/repo/data" -type f ! -name '.*' | sort; }
packs >"$WORK/packs.before"
# Every open of a pack waits 2 s (strace delays the syscall), so the reader
# is still reading, under its lock, when prune starts.
slow_packs=(strace -f -qq -o /dev/null -e trace=openat -e inject=openat:delay_enter=2000000)
while read -r p; do slow_packs+=(-P "$p"); done <"$WORK/packs.before"
for reader in "find f1" "stats --mode raw-data"; do
  # shellcheck disable=SC2086
  "${slow_packs[@]}" "$HORT" -r "$WORK/repo" $reader >"$WORK/reader.out" 2>"$WORK/reader.err" &
  pid=$!
  for _ in $(seq 1 200); do [ -n "$(ls "$WORK/repo/locks")" ] && break; sleep 0.05; done
  [ -n "$(ls "$WORK/repo/locks")" ] || fail "$reader took no lock"
  expect_rc 11 "$HORT" -r "$WORK/repo" prune
  grep -q "shared lock .* held by" "$WORK/last.err" || fail "prune beside $reader: $(cat "$WORK/last.err")"
  wait "$pid" || { cat "$WORK/reader.out" "$WORK/reader.err" >&2; fail "$reader failed"; }
  cmp -s "$WORK/packs.before" <(packs) || fail "packs changed under $reader"
  [ -z "$(ls "$WORK/repo/locks")" ] || fail "$reader left its lock"
done
strace -f -qq -e trace=openat,rename,renameat,renameat2 -o "$WORK/nolock.trace" "$HORT" --no-lock -r "$WORK/repo" find f1 >/dev/null
grep -q '/locks/' "$WORK/nolock.trace" && fail "find --no-lock wrote a lock"
strace -f -qq -e trace=openat,rename,renameat,renameat2 -o "$WORK/lock.trace" "$HORT" -r "$WORK/repo" snapshots >/dev/null
grep -q '/locks/' "$WORK/lock.trace" || fail "snapshots took no lock"
note "--no-lock is no way past a writer's lock: prune, backup and key list lock anyway (restic 0.14); tag and forget --dry-run do not"
for cmd in "prune" "backup $WORK/src" "key list"; do
  # shellcheck disable=SC2086  # the command is split on purpose
  strace -f -qq -e trace=openat,rename,renameat,renameat2 -o "$WORK/w.trace" "$HORT" --no-lock -r "$WORK/repo" $cmd >/dev/null 2>&1 \
    || fail "--no-lock $cmd failed"
  grep -q '/locks/' "$WORK/w.trace" || fail "--no-lock $cmd ran without a lock"
done
strace -f -qq -e trace=openat,rename,renameat,renameat2 -o "$WORK/w.trace" "$HORT" --no-lock -r "$WORK/repo" forget --keep-last 5 --dry-run >/dev/null
grep -q '/locks/' "$WORK/w.trace" && fail "forget --dry-run --no-lock took a lock"
strace -f -qq -e trace=openat,rename,renameat,renameat2 -o "$WORK/w.trace" "$HORT" --no-lock -r "$WORK/repo" tag --add x latest >/dev/null
grep -q '/locks/' "$WORK/w.trace" && fail "tag --no-lock took a lock"
expect_rc 1 "$HORT" --no-lock -r "$WORK/repo" forget --keep-last 5
grep -qx "Fatal: --no-lock is only applicable in combination with --dry-run for forget command" "$WORK/last.err" \
  || fail "forget --no-lock: $(cat "$WORK/last.err")"
hort -r "$WORK/repo" prune >/dev/null
echo "PASS locks"
