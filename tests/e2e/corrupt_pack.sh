#!/usr/bin/env bash
# A damaged pack: check --read-data names the pack, the blobs and the files
# affected; restore brings back everything else and exits non-zero.
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/src"
head -c 2000000 /dev/urandom > "$WORK/src/a.bin"
hort -r "$WORK/repo" init >/dev/null
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null
find "$WORK/repo/data" -type f | sort > "$WORK/packs1"
# 9 MB: a pack larger than check's 4 MiB read window, so it is streamed.
head -c 9000000 /dev/urandom > "$WORK/src/b.bin"
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null
find "$WORK/repo/data" -type f | sort > "$WORK/packs2"
# The largest new pack holds b.bin's data.
pack=$(comm -13 "$WORK/packs1" "$WORK/packs2" | xargs ls -S | head -1)
pack_id=$(basename "$pack")
chmod u+w "$pack"
printf '\xff\xff\xff\xff' | dd of="$pack" bs=1 seek=5000 conv=notrunc status=none
printf '\xff\xff\xff\xff' | dd of="$pack" bs=1 seek=7000000 conv=notrunc status=none

expect_rc 1 "$HORT" -r "$WORK/repo" check --read-data
grep -q "$pack_id" "$WORK/last.err" || fail "check did not name the damaged pack"
grep -q "blob" "$WORK/last.err" || fail "check did not name the damaged blob"
grep -q "file $WORK/src/b.bin" "$WORK/last.err" || fail "check did not name the affected file"
grep -q "a.bin" "$WORK/last.err" && fail "check blamed an intact file"

expect_rc 1 "$HORT" -r "$WORK/repo" restore latest --target "$WORK/out"
grep -q "b.bin" "$WORK/last.err" || fail "restore did not report the damaged file"
cmp "$WORK/src/a.bin" "$WORK/out$WORK/src/a.bin" || fail "intact file not restored"

note "a truncated pack is named too"
truncate -s 1000 "$pack"
expect_rc 1 "$HORT" -r "$WORK/repo" check
grep -q "$pack_id" "$WORK/last.err" || fail "check did not name the truncated pack"
