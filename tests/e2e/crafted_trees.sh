#!/usr/bin/env bash
# Trees no file system holds (issue #25): 20,000 nested directories and a
# root listing one name twice, written with hort-fixture. Every command that
# walks trees ends with one clear line and exit 1 (or finishes) instead of a
# SIGSEGV, and the lock of check and restore is gone afterwards; check
# reports what restore refuses (restic 0.14's check passes the duplicate).
source "$(dirname "$0")/lib.sh"
: "${HORT_FIXTURE:?}"

no_locks() { [ -z "$(ls "$1/locks")" ] || fail "a lock stayed behind in $1: $(ls "$1/locks")"; }
one_line() { # CMD's stderr: one Fatal line naming what the test expects
  local want=$1
  grep -q "^Fatal: .*$want" "$WORK/last.err" || { cat "$WORK/last.err" >&2; fail "no Fatal line with \"$want\""; }
  [ "$(grep -c '^Fatal: ' "$WORK/last.err")" = 1 ] || fail "more than one Fatal line"
  [ "$(wc -c < "$WORK/last.err")" -lt 2000 ] || fail "the error is not one short line"
}

note "20,000 nested directories"
deep="$WORK/deep"
snap=$("$HORT_FIXTURE" deep "$deep" 20000)
short=${snap:0:8}
too_deep="tree [0-9a-f]\{8\} lies 4097 directories deep"
for cmd in "ls $short" "ls -l $short" "find -s $short nothing" "stats $short" "stats --mode raw-data $short" \
           "diff $short $short" "dump -a tar $short /d"; do
  expect_rc 1 hort -r "$deep" --no-cache $cmd
  one_line "$too_deep"
done
expect_rc 1 hort -r "$deep" --no-cache ls "$short"
grep -q "^Fatal: snapshot $short: $too_deep" "$WORK/last.err" || fail "ls does not name the snapshot"
[ "$(grep -c '^/d' "$WORK/last.out")" = 4097 ] || fail "ls did not list the 4097 directories it follows"

expect_rc 1 hort -r "$deep" --no-cache restore "$short" --target "$WORK/target"
one_line "snapshot $short: $too_deep"
[ ! -e "$WORK/target" ] || fail "restore created the target of a snapshot it refuses"
no_locks "$deep"

expect_rc 1 hort -r "$deep" --no-cache check
grep -q "^error: snapshot $short: tree [0-9a-f]\{64\} (/d/d/.*): $too_deep" "$WORK/last.err" ||
  { cat "$WORK/last.err" >&2; fail "check does not report the tree too deep"; }
grep -q "^Fatal: repository contains errors" "$WORK/last.err" || fail "check: no summary line"
no_locks "$deep"
expect_rc 1 hort -r "$deep" --no-cache check --read-data
no_locks "$deep"

# Walks that only follow IDs have no depth limit: they finish.
expect_rc 0 hort -r "$deep" --no-cache repair snapshots --dry-run
no_locks "$deep"
expect_rc 0 hort -r "$deep" --no-cache prune --dry-run
no_locks "$deep"
copy="$WORK/copy"
expect_rc 0 hort -r "$copy" init
expect_rc 0 hort -r "$copy" --no-cache copy --from-repo "$deep" --from-password-file <(echo e2e-password)
expect_rc 1 hort -r "$copy" --no-cache ls latest
one_line "$too_deep"
no_locks "$copy"

note "a root that lists \"a\" twice"
dup="$WORK/dup"
snap=$("$HORT_FIXTURE" dupnames "$dup")
short=${snap:0:8}
expect_rc 1 hort -r "$dup" --no-cache restore "$short" --target "$WORK/target2"
one_line "has the name \"a\" twice"
expect_rc 1 hort -r "$dup" --no-cache check
grep -q "^error: snapshot $short: directory /: tree [0-9a-f]\{8\} has the name \"a\" twice" "$WORK/last.err" ||
  { cat "$WORK/last.err" >&2; fail "check does not report the duplicate name"; }
no_locks "$dup"

note "a file whose node says 100 bytes and whose blobs make 6: repair snapshots fixes the size (restic 0.16)"
wrong="$WORK/wrongsize"
snap=$("$HORT_FIXTURE" wrongsize "$wrong")
expect_rc 0 hort -r "$wrong" --no-cache repair snapshots --forget
grep -qxF '  file "/f": fixed incorrect size' "$WORK/last.out" || fail "repair snapshots: $(cat "$WORK/last.out")"
grep -q "repaired 1 snapshots" "$WORK/last.out" || fail "repair snapshots: $(cat "$WORK/last.out")"
[ ! -e "$wrong/snapshots/$snap" ] || fail "--forget kept the original"
expect_rc 0 hort -r "$wrong" --no-cache ls --json latest
grep -q '"name":"f".*"size":6' "$WORK/last.out" || fail "the repaired node's size: $(cat "$WORK/last.out")"
expect_rc 0 hort -r "$wrong" --no-cache restore latest --target "$WORK/wrongout"
[ "$(cat "$WORK/wrongout/f")" = hello ] || fail "the repaired file does not restore"
expect_rc 0 hort -r "$wrong" --no-cache repair snapshots
grep -qx "repaired 0 snapshots" "$WORK/last.out" || fail "a second repair changed something: $(cat "$WORK/last.out")"
no_locks "$wrong"
