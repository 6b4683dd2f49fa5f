#!/usr/bin/env bash
# forget --prune leaves a repository restic checks and restores; prune works
# on restic-made repositories; a prune killed at any point loses nothing.
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/src"
snapshot_state() { rm -rf "$WORK/state$1" && mkdir -p "$WORK/state$1" && cp -a "$WORK/src" "$WORK/state$1/"; }
for i in $(seq 1 30); do head -c 1000000 /dev/urandom > "$WORK/src/f$i"; done
hort -r "$WORK/repo" init >/dev/null
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null; snapshot_state 1
for round in 2 3 4; do
  for i in $(seq $round 3 30); do rm -f "$WORK/src/f$i"; done
  head -c 700000 /dev/urandom > "$WORK/src/new$round"
  hort -r "$WORK/repo" backup "$WORK/src" >/dev/null; snapshot_state $round
done
ids=$(hort -r "$WORK/repo" snapshots --json | python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(sys.stdin)))')
set -- $ids
note "forget --keep-last 2 --prune --max-unused 0"
hort -r "$WORK/repo" forget --keep-last 2 --prune --max-unused 0 > "$WORK/prune.out"
grep -q "repacking" "$WORK/prune.out" || fail "prune repacked nothing: $(cat "$WORK/prune.out")"
[ "$(ls "$WORK/repo/snapshots" | wc -l)" = 2 ] || fail "forget did not leave 2 snapshots"
restic -r "$WORK/repo" check --read-data >/dev/null
for n in 3 4; do
  id=$(eval echo \${$n})
  rm -rf "$WORK/out$n"
  restic -r "$WORK/repo" restore "$id" --target "$WORK/out$n" >/dev/null
  treecmp "$WORK/state$n/src" "$WORK/out$n$WORK/src" --no-dir-mtime
done
hort -r "$WORK/repo" prune --dry-run --json > "$WORK/dry.json"
[ "$(json_field packs_repack < "$WORK/dry.json")" = 0 ] || fail "a second prune still wants to repack"

note "prune on a restic-made repository"
restic_init "$WORK/rrepo"
restic -r "$WORK/rrepo" backup "$WORK/state1/src" >/dev/null
restic -r "$WORK/rrepo" backup "$WORK/state4/src" >/dev/null
restic -r "$WORK/rrepo" forget --keep-last 1 >/dev/null
hort -r "$WORK/rrepo" prune --max-unused 0 >/dev/null
restic -r "$WORK/rrepo" check --read-data >/dev/null
restic -r "$WORK/rrepo" restore latest --target "$WORK/rout" >/dev/null
treecmp "$WORK/state4/src" "$WORK/rout$WORK/state4/src" --no-dir-mtime

note "forget --prune that removes no snapshot runs no prune (restic's rule; K8up's prune jobs are forget --prune)"
cp -a "$WORK/rrepo" "$WORK/noprune"
restic -r "$WORK/noprune" forget "$(restic -r "$WORK/noprune" snapshots --json --path "$WORK/state1/src" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')" >/dev/null
find "$WORK/noprune/data" -type f | sort >"$WORK/noprune.before"
hort -r "$WORK/noprune" forget --keep-last 1 --prune --max-unused 0 >"$WORK/noprune.out"
find "$WORK/noprune/data" -type f | sort | diff -q "$WORK/noprune.before" - >/dev/null ||
  fail "forget --prune pruned with no snapshot removed: $(cat "$WORK/noprune.out")"
hort -r "$WORK/noprune" prune --max-unused 0 >"$WORK/noprune.out"
find "$WORK/noprune/data" -type f | sort | diff -q "$WORK/noprune.before" - >/dev/null &&
  fail "the forgotten snapshot's data was not unused: $(cat "$WORK/noprune.out")"

note "a missing pack nothing needs: prune names it and forgets it, as restic"
mkdir -p "$WORK/extra"
head -c 2000000 /dev/urandom > "$WORK/extra/x.bin"
find "$WORK/noprune/data" -type f | sort >"$WORK/noprune.before"
hort -r "$WORK/noprune" backup "$WORK/extra" >/dev/null
gone=$(comm -13 "$WORK/noprune.before" <(find "$WORK/noprune/data" -type f | sort) | xargs ls -S | head -1)
hort -r "$WORK/noprune" forget "$(hort -r "$WORK/noprune" snapshots --json --path "$WORK/extra" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')" >/dev/null
[ "$(ls "$WORK/noprune/snapshots" | wc -l)" = 1 ] || fail "the extra snapshot was not forgotten"
rm "$gone"
hort -r "$WORK/noprune" prune >"$WORK/noprune.out"
grep -qx "will forget missing pack file $(basename "$gone")" "$WORK/noprune.out" ||
  fail "prune did not name the missing pack: $(cat "$WORK/noprune.out")"
restic -r "$WORK/noprune" check >/dev/null

note "a needed pack cut short: prune refuses and changes nothing, as restic refuses"
# It exited 0 and wrote an index still naming the cut pack.
cp -a "$WORK/rrepo" "$WORK/cut"
pack=$(find "$WORK/cut/data" -type f -printf '%s %p\n' | sort -n | tail -n 1 | cut -d' ' -f2)  # the largest: several blobs
[ -n "$pack" ] || fail "no pack to cut"
chmod u+w "$pack"; truncate -s $(( $(stat -c %s "$pack") - 100000 )) "$pack"  # the header and the last blob's end
(cd "$WORK/cut" && find . -type f -exec sha256sum {} + | sort) >"$WORK/cut.before"
expect_rc 1 restic -r "$WORK/cut" prune
expect_rc 1 "$HORT" -r "$WORK/cut" prune
grep -q "^Fatal: pack $(basename "$pack" | cut -c1-8): size .* does not match the .* bytes its index entries make; prune aborted" \
  "$WORK/last.err" || fail "prune did not name the cut pack: $(cat "$WORK/last.err")"
(cd "$WORK/cut" && find . -type f -exec sha256sum {} + | sort) >"$WORK/cut.after"
diff "$WORK/cut.before" "$WORK/cut.after" >/dev/null || fail "the refused prune changed the repository"

note "the cut pack: repair index stores its intact blobs again, repair snapshots drops what was lost, prune removes it"
# repair index kept the cut pack's old entries (they make its size), so prune stayed refused for good.
expect_rc 1 "$HORT" -r "$WORK/cut" repair index
grep -q "1 packs are not the size their old index entries make and their header is damaged ([1-9][0-9]* intact blobs stored again, [1-9][0-9]* lost) and were left out; .hort repair snapshots --forget. drops what was lost" \
  "$WORK/last.err" || fail "repair index: $(cat "$WORK/last.err")"
hort -r "$WORK/cut" repair snapshots --forget >"$WORK/cut.repair"
lost=$(sed -n 's|^  file "\(.*\)": removed missing content$|\1|p' "$WORK/cut.repair")
[ -n "$lost" ] || fail "repair snapshots dropped nothing: $(cat "$WORK/cut.repair")"
hort -r "$WORK/cut" prune >/dev/null
[ ! -e "$pack" ] || fail "prune kept the cut pack"
restic -r "$WORK/cut" check --read-data >/dev/null
for n in 1 4; do  # every file not lost restores the same
  restic -r "$WORK/cut" restore latest --path "$WORK/state$n/src" --target "$WORK/cutout" >/dev/null
  for f in "$WORK/state$n/src/"*; do
    if grep -qxF "$f" <<<"$lost"; then
      # kept with the blobs that are left (restic 0.16's repair)
      [ "$(stat -c %s "$WORK/cutout$f")" -lt "$(stat -c %s "$f")" ] || fail "$f lost blobs but restores whole"
    else
      cmp -s "$f" "$WORK/cutout$f" || fail "$f, not lost, does not restore the same"
    fi
  done
done

note "prune killed with SIGKILL at each of its crash points"
# HORT_TEST_CRASH_AT makes hort SIGKILL itself at a named point (src/util/crash_point.h).
# The scenario leaves packs half used, so prune repacks, rewrites the index and deletes.
mkdir -p "$WORK/k/src"
for i in $(seq 1 10); do head -c 800000 /dev/urandom > "$WORK/k/src/f$i"; done
restic_init "$WORK/kbase"
restic -r "$WORK/kbase" backup "$WORK/k/src" >/dev/null
for i in $(seq 1 2 10); do rm "$WORK/k/src/f$i"; done
restic -r "$WORK/kbase" backup "$WORK/k/src" >/dev/null
restic -r "$WORK/kbase" forget --keep-last 1 >/dev/null
note "--repack-cacheable-only repacks no pack of data only, as restic's (hort refused the flag)"
# kbase's data packs hold files the kept snapshot no longer has: worth repacking without the flag.
for flags in "" "--repack-cacheable-only"; do
  # shellcheck disable=SC2086  # the flags are split on purpose
  r=$(restic -r "$WORK/kbase" prune --dry-run --max-unused 0 $flags | sed -n 's/^to repack: *\([0-9]*\) blobs.*/\1/p')
  # shellcheck disable=SC2086
  h=$(hort -r "$WORK/kbase" prune --dry-run --json --max-unused 0 $flags | json_field packs_repack)
  [ -n "$r" ] && [ -n "$h" ] || fail "prune $flags: no figures (restic '$r', hort '$h')"
  if [ -z "$flags" ]; then
    [ "$r" -gt 0 ] && [ "$h" -gt 0 ] || fail "the scenario repacks nothing (restic $r blobs, hort $h packs)"
  else
    [ "$r" = 0 ] && [ "$h" = 0 ] || fail "--repack-cacheable-only: restic repacks $r blobs, hort $h packs"
  fi
done

for point in pack:after-save prune:after-repack prune:after-new-index prune:after-index prune:after-pack-delete; do
  rm -rf "$WORK/krepo" && cp -a "$WORK/kbase" "$WORK/krepo" && chmod -R u+w "$WORK/krepo"
  note "kill at $point"
  set +e
  HORT_TEST_CRASH_AT=$point "$HORT" -r "$WORK/krepo" prune --max-unused 0 >/dev/null 2>&1
  rc=$?
  set -e
  [ "$rc" = 137 ] || fail "prune did not reach crash point $point (exit $rc)"
  hort -r "$WORK/krepo" check --read-data >/dev/null || fail "hort check failed after killing prune at $point"
  restic -r "$WORK/krepo" check --read-data >/dev/null || fail "restic check failed after killing prune at $point"
  rm -rf "$WORK/kout"
  hort -r "$WORK/krepo" restore latest --target "$WORK/kout" >/dev/null
  treecmp "$WORK/k/src" "$WORK/kout$WORK/k/src" --no-dir-mtime
  hort -r "$WORK/krepo" prune >/dev/null || fail "prune after the crash failed"
  restic -r "$WORK/krepo" check --read-data >/dev/null
done
