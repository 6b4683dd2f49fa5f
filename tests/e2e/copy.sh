#!/usr/bin/env bash
# copy: offsite replication. Different chunker parameters re-chunk; copying
# again is a no-op; restic checks and restores the copies; a killed copy
# leaves both repositories valid and the next copy completes.
source "$(dirname "$0")/lib.sh"
gen_tree "$WORK/src" --small
hort -r "$WORK/a" init >/dev/null
hort -r "$WORK/a" backup --tag daily "$WORK/src" >/dev/null
echo more >> "$WORK/src/a/b/file01.txt"
hort -r "$WORK/a" backup "$WORK/src" >/dev/null

note "copy into a repository with its own chunker polynomial (re-chunking)"
restic_init "$WORK/b"
RESTIC_FROM_PASSWORD=e2e-password hort -r "$WORK/b" copy --from-repo "$WORK/a" --json > "$WORK/c1.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["snapshots_copied"]==2 and d["rechunked"], d' "$WORK/c1.json"
restic -r "$WORK/b" check --read-data >/dev/null
restic -r "$WORK/b" restore latest --target "$WORK/outb" >/dev/null
treecmp "$WORK/src" "$WORK/outb$WORK/src" --no-sparse
note "a second copy is a no-op"
RESTIC_FROM_PASSWORD=e2e-password hort -r "$WORK/b" copy --from-repo "$WORK/a" --json > "$WORK/c2.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["snapshots_copied"]==0 and d["snapshots_skipped"]==2 and d["blobs_copied"]==0, d' "$WORK/c2.json"

note "copy with the same chunker parameters: blobs are copied as they are (reverse form, --to-repo)"
hort -r "$WORK/c" init --copy-chunker-params --from-repo "$WORK/a" --from-password-command "echo e2e-password" >/dev/null
hort -r "$WORK/a" copy --to-repo "$WORK/c" --to-password-command "echo e2e-password" --json > "$WORK/c3.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["snapshots_copied"]==2 and not d["rechunked"], d' "$WORK/c3.json"
ta=$(hort -r "$WORK/a" snapshots --json | python3 -c 'import json,sys; print(sorted(s["tree"] for s in json.load(sys.stdin)))')
tc=$(hort -r "$WORK/c" snapshots --json | python3 -c 'import json,sys; print(sorted(s["tree"] for s in json.load(sys.stdin)))')
[ "$ta" = "$tc" ] || fail "copied snapshots have different trees"
tags=$(hort -r "$WORK/c" snapshots --json | python3 -c 'import json,sys; print(sorted(t for s in json.load(sys.stdin) for t in (s.get("tags") or [])))')
[ "$tags" = "['daily']" ] || fail "tags not copied: $tags"
restic -r "$WORK/c" check --read-data >/dev/null

note "a copy killed with SIGKILL at several points, then completed"
hort -r "$WORK/d" init >/dev/null
for point in pack:after-save copy:after-snapshot; do
  set +e
  HORT_TEST_CRASH_AT=$point RESTIC_FROM_PASSWORD=e2e-password "$HORT" -r "$WORK/d" copy --from-repo "$WORK/a" >/dev/null 2>&1
  rc=$?
  set -e
  [ "$rc" = 137 ] || fail "copy did not reach the crash point $point (exit $rc)"
  hort -r "$WORK/d" check >/dev/null
  restic -r "$WORK/d" check >/dev/null
  hort -r "$WORK/a" check >/dev/null
done
[ "$(ls "$WORK/d/snapshots" | wc -l)" = 1 ] || fail "expected exactly the one snapshot copied before the second crash"
RESTIC_FROM_PASSWORD=e2e-password hort -r "$WORK/d" copy --from-repo "$WORK/a" >/dev/null
restic -r "$WORK/d" check --read-data >/dev/null
hort -r "$WORK/d" restore latest --target "$WORK/outd" >/dev/null
treecmp "$WORK/src" "$WORK/outd$WORK/src"
