#!/usr/bin/env bash
# A full disk (issue #23 item 6), on a real 64 MiB tmpfs:
# - backup to a full repository disk: "no space left on device" (not EIO),
#   exit 1, no snapshot; hort check and restic check clean; after the disk
#   grows, the next backup succeeds and restores byte for byte;
# - restore onto a full disk: exit 1, the summary counts what was written
#   (text and --json), and no file is left at its full size half-written.
# Where mount(2) is refused (a container without CAP_SYS_ADMIN), the test
# runs again in a user and mount namespace of its own, where a tmpfs mount
# is allowed; only when that is refused too does it exit 77 (not run).
if [ -z "${HORT_DISK_FULL_IN_NS:-}" ] && ! (unshare --mount true 2>/dev/null) &&
   unshare --user --map-root-user --mount true 2>/dev/null; then
  exec env HORT_DISK_FULL_IN_NS=1 unshare --user --map-root-user --mount bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
MNT="$WORK/repo-disk"; TGT="$WORK/restore-disk"
mkdir -p "$MNT" "$TGT"
if ! mount -t tmpfs -o size=64m tmpfs "$MNT" 2>"$WORK/mount.err"; then
  echo "SKIP: cannot mount a tmpfs here ($(cat "$WORK/mount.err")); the disk-full test needs root and mount(2)"
  exit 77
fi
trap 'umount -l "$MNT" "$TGT" 2>/dev/null; chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
R="$MNT/repo"
mkdir -p "$WORK/src"
for i in $(seq 1 10); do head -c $((10 << 20)) /dev/urandom >"$WORK/src/f$i.bin"; done
echo small >"$WORK/src/small.txt"
hort -r "$R" init >/dev/null
hort -r "$R" backup "$WORK/src/small.txt" >/dev/null

note "backup of 100 MiB to a 64 MiB disk"
expect_rc 1 hort -r "$R" backup "$WORK/src"
grep -qi 'no space left on device' "$WORK/last.err" || { cat "$WORK/last.err" >&2; fail "the full disk is not named"; }
grep -qi 'input/output error' "$WORK/last.err" && fail "a full disk reported as an I/O error"
[ "$(wc -l <"$WORK/last.err")" = 1 ] || { cat "$WORK/last.err" >&2; fail "expected one Fatal line"; }
[ "$(restic -r "$R" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] \
  || fail "a snapshot was written by the failed backup"
note "the repository stays consistent (room is needed for the lock files: 1 MiB)"
mount -o remount,size=65m "$MNT"
hort -r "$R" check >/dev/null || fail "hort check after the full disk"
restic -r "$R" check >"$WORK/rcheck.txt" 2>&1 || { cat "$WORK/rcheck.txt" >&2; fail "restic check after the full disk"; }
note "once there is room, the next backup succeeds"
mount -o remount,size=256m "$MNT"
hort -r "$R" backup "$WORK/src" >/dev/null
hort -r "$R" check --read-data >/dev/null
restic -r "$R" check --read-data >/dev/null 2>&1 || fail "restic check --read-data after the second backup"
restic -r "$R" restore latest --target "$WORK/out" >/dev/null
treecmp "$WORK/src" "$WORK/out$WORK/src"

note "restore of 100 MiB onto a 64 MiB disk"
mount -t tmpfs -o size=64m tmpfs "$TGT"
expect_rc 1 hort -r "$R" --json restore latest --target "$TGT/j"
grep -qi 'no space left on device' "$WORK/last.err" || { cat "$WORK/last.err" >&2; fail "restore: the full disk is not named"; }
python3 - "$WORK/last.out" "$TGT/j$WORK/src" "$WORK/src" <<'PY'
import json, os, sys
summary = [json.loads(l) for l in open(sys.argv[1]) if '"summary"' in l][-1]
out, src = sys.argv[2], sys.argv[3]
files = [f for f in os.listdir(out)] if os.path.isdir(out) else []
written = sum(os.path.getsize(os.path.join(out, f)) for f in files)
for f in files:  # every file left is whole: no half-written file at its full size
    if open(os.path.join(out, f), "rb").read() != open(os.path.join(src, f), "rb").read():
        sys.exit(f"FAIL: {f} is in the target but differs from the source")
assert summary["total_files"] == 11 and summary["total_bytes"] == 100 * (1 << 20) + 6, summary
assert summary["files_restored"] == len(files), (summary, files)
assert summary["bytes_restored"] == written, (summary, written)
assert summary["files_restored"] < 11 and summary["bytes_restored"] < 64 << 20, summary
print(f"restored {len(files)} of 11 files, {written} bytes: the summary says the same")
PY
grep -q 'removed .*: its content could not be restored completely' "$WORK/last.err" \
  || { cat "$WORK/last.err" >&2; fail "restore did not say it removed the partly written files"; }
# Each file is named once with the full disk, however many of its blobs were left.
twice=$(python3 -c 'import json,sys; [print(m["item"]) for m in (json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")) if "No space" in m.get("error", {}).get("message", "")]' "$WORK/last.err" | sort | uniq -d)
[ -z "$twice" ] || { cat "$WORK/last.err" >&2; fail "the full disk is named more than once for: $twice"; }
rm -rf "$TGT/j"
expect_rc 1 hort -r "$R" restore latest --target "$TGT/t"
grep -Eq 'Summary: Restored [0-9]+ of [0-9]+ files/dirs \(.* of 100\.000 MiB\)' "$WORK/last.out" \
  || { cat "$WORK/last.out" >&2; fail "text summary does not count what was restored"; }
echo "PASS disk_full"
