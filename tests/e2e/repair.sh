#!/usr/bin/env bash
# repair index rebuilds a lost index from the packs; repair snapshots drops
# references to lost data so restic check passes and the rest restores.
source "$(dirname "$0")/lib.sh"
gen_tree "$WORK/src" --small
hort -r "$WORK/repo" init >/dev/null
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null
note "repair index after every index file is lost"
rm -f "$WORK/repo/index/"*
if restic -r "$WORK/repo" check >/dev/null 2>&1; then fail "restic check passed without an index"; fi
hort -r "$WORK/repo" repair index >/dev/null
restic -r "$WORK/repo" check --read-data >/dev/null
hort -r "$WORK/repo" restore latest --target "$WORK/out" >/dev/null
treecmp "$WORK/src" "$WORK/out$WORK/src"
hort -r "$WORK/repo" rebuild-index >/dev/null
[ "$(ls "$WORK/repo/index" | wc -l)" = 1 ] || fail "rebuild-index left several index files"

note "repair snapshots after a data pack is lost"
head -c 1500000 /dev/urandom > "$WORK/src/lost.bin"
find "$WORK/repo/data" -type f | sort > "$WORK/before"
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null
lost_pack=$(comm -13 "$WORK/before" <(find "$WORK/repo/data" -type f | sort) | xargs ls -S | head -1)
rm -f "$lost_pack"
hort -r "$WORK/repo" repair index >/dev/null
expect_rc 1 "$HORT" -r "$WORK/repo" check
hort -r "$WORK/repo" repair snapshots --forget > "$WORK/repair.out"
grep -q "lost.bin" "$WORK/repair.out" || fail "repair did not name the lost file"
restic -r "$WORK/repo" check --read-data >/dev/null
hort -r "$WORK/repo" check --read-data >/dev/null
rm -rf "$WORK/out2"
restic -r "$WORK/repo" restore latest --target "$WORK/out2" >/dev/null
[ ! -e "$WORK/out2$WORK/src/lost.bin" ] || fail "the lost file is still in the snapshot"
rm "$WORK/src/lost.bin"
treecmp "$WORK/src" "$WORK/out2$WORK/src" --no-dir-mtime --no-sparse
hort -r "$WORK/repo" snapshots --json | python3 -c 'import json,sys; s=json.load(sys.stdin); assert any("repaired" in (x.get("tags") or []) for x in s), s'
