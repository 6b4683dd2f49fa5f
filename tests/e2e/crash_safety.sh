#!/usr/bin/env bash
# A backup killed with SIGKILL at several points leaves a repository that
# hort check and restic check pass, earlier snapshots restore, and the next
# backup succeeds (the dead process's lock is stale and does not block it).
source "$(dirname "$0")/lib.sh"
gen_tree "$WORK/src" --small
hort -r "$WORK/repo" init >/dev/null
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null
first=$(hort -r "$WORK/repo" snapshots --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
mkdir -p "$WORK/src/bulk"
for i in $(seq 1 24); do head -c 8000000 /dev/urandom > "$WORK/src/bulk/f$i"; done
count() { find "$WORK/repo/$1" -type f ! -name '.*' | wc -l; }
# Kill points chosen by what the backup has already written, so every kill
# really lands in the middle of a backup: right after its lock appears, after
# its first pack, after several packs.
for point in "locks 1" "data 1" "data 3" "data 5"; do
  set -- $point
  dir=$1 want=$(( $(count "$1") + $2 ))
  snaps_before=$(count snapshots)
  note "kill -9 once $dir/ has $want files"
  "$HORT" -r "$WORK/repo" backup --force "$WORK/src" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 2000); do
    [ "$(count "$dir")" -ge "$want" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.005
  done
  kill -9 "$pid" 2>/dev/null || fail "backup finished before the kill point $point"
  wait "$pid" 2>/dev/null || true
  [ "$(count snapshots)" = "$snaps_before" ] || fail "a killed backup wrote a snapshot"
  hort -r "$WORK/repo" check >/dev/null || fail "hort check failed after kill at $point"
  restic -r "$WORK/repo" check >/dev/null 2>"$WORK/restic.err" || { cat "$WORK/restic.err"; fail "restic check failed after kill at $point"; }
done
for point in pack:after-save backup:before-snapshot; do
  note "backup SIGKILLs itself at $point"
  set +e
  HORT_TEST_CRASH_AT=$point "$HORT" -r "$WORK/repo" backup --force "$WORK/src" >/dev/null 2>&1
  rc=$?
  set -e
  [ "$rc" = 137 ] || fail "backup did not reach crash point $point (exit $rc)"
  hort -r "$WORK/repo" check >/dev/null || fail "hort check failed after crash at $point"
  restic -r "$WORK/repo" check >/dev/null || fail "restic check failed after crash at $point"
done
rm -rf "$WORK/out"
hort -r "$WORK/repo" restore "$first" --target "$WORK/out" >/dev/null
rm -rf "$WORK/expect" && mkdir -p "$WORK/expect" && cp -a "$WORK/src" "$WORK/expect/" && rm -rf "$WORK/expect/src/bulk"
treecmp "$WORK/expect/src" "$WORK/out$WORK/src" --no-dir-mtime
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null || fail "backup after the crashes failed"
restic -r "$WORK/repo" check --read-data >/dev/null
hort -r "$WORK/repo" restore latest --target "$WORK/out2" >/dev/null
treecmp "$WORK/src" "$WORK/out2$WORK/src" --no-dir-mtime
