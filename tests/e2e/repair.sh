#!/usr/bin/env bash
# repair index rebuilds a lost index from the packs; repair snapshots drops
# references to lost data so restic check passes and the rest restores.
source "$(dirname "$0")/lib.sh"
# Inverts the byte at OFFSET of FILE. Writing a zero left the file intact when the byte was one already
# (one run in 256), and the damage tests then failed.
flip_byte() {
  python3 - "$1" "$2" <<'PY'
import sys
p, at = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
b[at] ^= 0xFF
open(p, "wb").write(b)
PY
}
gen_tree "$WORK/src" --small
hort -r "$WORK/repo" init >/dev/null
"$HORT_FIXTURE" cheap-key "$WORK/repo" || fail "hort-fixture cheap-key failed"  # restic opens it many times
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null
note "repair index after every index file is lost"
rm -f "$WORK/repo/index/"*
if restic -r "$WORK/repo" check >/dev/null 2>&1; then fail "restic check passed without an index"; fi
hort -r "$WORK/repo" repair index >/dev/null
restic -r "$WORK/repo" check --read-data >/dev/null
hort -r "$WORK/repo" restore latest --target "$WORK/out" >/dev/null
treecmp "$WORK/src" "$WORK/out$WORK/src"
hort -r "$WORK/repo" rebuild-index --read-all-packs >/dev/null  # restic's flag: hort always reads every pack
[ "$(ls "$WORK/repo/index" | wc -l)" = 1 ] || fail "rebuild-index left several index files"
hort -r "$WORK/repo" repair index --read-all-packs >/dev/null

note "an unreferenced pack: non-critical, with restic's advice (hort blamed an interrupted backup); -v names it"
pack=$(find "$WORK/repo/data" -type f -print -quit)
name=$(basename "$pack"); prefix=ff; [ "${name:0:2}" = ff ] && prefix=ee  # never the pack's own name
extra="$WORK/repo/data/$prefix/$prefix${name:2}"
mkdir -p "$WORK/repo/data/$prefix" && cp "$pack" "$extra"
expect_rc 0 "$HORT" -r "$WORK/repo" check -v
grep -qx 'This is non-critical, you can run `hort prune` to correct this.' "$WORK/last.out" || fail "check: $(cat "$WORK/last.out")"
grep -q "pack $(basename "$extra") is not referenced in any index" "$WORK/last.out" || fail "check -v did not name the pack: $(cat "$WORK/last.out")"
rm -f "$extra"

note "repair index keeps the entries of a pack whose header is damaged (issue #25)"
pack=$(find "$WORK/repo/data" -type f | xargs ls -S | head -1)
python3 - "$pack" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-5] ^= 0x01  # one bit of the encrypted header (the last 4 bytes are its length): every blob stays intact
open(p, "wb").write(b)
PY
expect_rc 1 "$HORT" -r "$WORK/repo" repair index
grep -q "its entries from the old index were kept" "$WORK/last.err" || fail "repair index: $(cat "$WORK/last.err")"
grep -q "1 packs have a damaged header (1 kept" "$WORK/last.err" || fail "repair index: $(cat "$WORK/last.err")"
rm -rf "$WORK/out"
hort -r "$WORK/repo" restore latest --target "$WORK/out" >/dev/null
treecmp "$WORK/src" "$WORK/out$WORK/src"
expect_rc 1 "$HORT" -r "$WORK/repo" check --read-data
grep -qi "non-critical\|left over" "$WORK/last.out" "$WORK/last.err" && fail "check calls a referenced pack harmless: $(cat "$WORK/last.out" "$WORK/last.err")"
# Put the bit back: the sections below start from an undamaged repository.
python3 - "$pack" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-5] ^= 0x01
open(p, "wb").write(b)
PY
hort -r "$WORK/repo" check >/dev/null

note "a damaged index file is named with the way out (issue #25)"
index_file=$(ls "$WORK/repo/index/"* | head -1)
cp "$index_file" "$WORK/index.bak"
flip_byte "$index_file" 40
expect_rc 1 "$HORT" -r "$WORK/repo" restore latest --target "$WORK/out3"
grep -q "index/$(basename "$index_file").*hort repair index" "$WORK/last.err" || fail "damaged index: $(cat "$WORK/last.err")"
# check stops there, as restic's does: going on, it called the packs only that file describes "left over
# from an interrupted backup" and every tree in them missing.
expect_rc 1 "$HORT" -r "$WORK/repo" check
grep -q "index/$(basename "$index_file").*hort repair index" "$WORK/last.err" || fail "check: $(cat "$WORK/last.err")"
grep -qi "left over\|not found in index\|not referenced" "$WORK/last.out" "$WORK/last.err" && fail "check went on past the damaged index: $(cat "$WORK/last.out" "$WORK/last.err")"
expect_rc 1 restic -r "$WORK/repo" --no-cache check
hort -r "$WORK/repo" repair index >/dev/null
rm -rf "$WORK/out3"
hort -r "$WORK/repo" restore latest --target "$WORK/out3" >/dev/null
treecmp "$WORK/src" "$WORK/out3$WORK/src"
restic -r "$WORK/repo" check >/dev/null

note "repair snapshots after a data pack is lost"
# lost.bin begins with kept.bin, stored before: its first blobs are in packs that stay. kept.bin is
# longer than the chunker's 8 MiB maximum, so it has a chunk boundary whatever its bytes (at 3 MB, about
# one run in twelve had none: lost.bin's first blob ran into the new bytes and nothing was kept).
head -c 9000000 /dev/urandom > "$WORK/src/kept.bin"
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null
find "$WORK/repo/data" -type f | sort > "$WORK/before"
{ cat "$WORK/src/kept.bin"; head -c 1500000 /dev/urandom; } > "$WORK/src/lost.bin"
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null
lost_pack=$(comm -13 "$WORK/before" <(find "$WORK/repo/data" -type f | sort) | xargs ls -S | head -1)
rm -f "$lost_pack"
hort -r "$WORK/repo" repair index >/dev/null
expect_rc 1 "$HORT" -r "$WORK/repo" check
# A damaged snapshot file beside it: named and left out, the others still repaired.
junk=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)
head -c 200 /dev/urandom > "$WORK/repo/snapshots/$junk"
expect_rc 0 "$HORT" -r "$WORK/repo" repair snapshots --forget
cp "$WORK/last.out" "$WORK/repair.out"
grep -qxF "  file \"$WORK/src/lost.bin\": removed missing content" "$WORK/repair.out" ||
  fail "repair did not name the lost file: $(cat "$WORK/repair.out")"
grep -q "repaired 1 snapshots" "$WORK/repair.out" || fail "repair stopped at the damaged file: $(cat "$WORK/repair.out")"
grep -q "snapshot file $junk is damaged and left out" "$WORK/last.err" || fail "the damaged file is not named: $(cat "$WORK/last.err")"
rm "$WORK/repo/snapshots/$junk"
restic -r "$WORK/repo" check --read-data >/dev/null
hort -r "$WORK/repo" check --read-data >/dev/null
rm -rf "$WORK/out2"
restic -r "$WORK/repo" restore latest --target "$WORK/out2" >/dev/null
# As restic 0.16's repair: the file keeps the blobs that are left, in their order, and their size; every
# other file restores the same.
[ -f "$WORK/out2$WORK/src/lost.bin" ] || fail "the damaged file was dropped, not repaired"
tree=$(hort -r "$WORK/repo" snapshots --json --tag repaired | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["tree"])')
IFS=/ read -ra parts <<<"${WORK#/}/src"
for part in "${parts[@]}"; do
  tree=$(hort -r "$WORK/repo" cat tree "$tree" | python3 -c 'import json,sys
print(next(n["subtree"] for n in json.load(sys.stdin)["nodes"] if n["name"] == sys.argv[1]))' "$part")
done
hort -r "$WORK/repo" cat tree "$tree" |
  python3 -c 'import json,sys; n=next(n for n in json.load(sys.stdin)["nodes"] if n["name"] == "lost.bin")
print(n.get("size", 0)); print("\n".join(n.get("content") or []))' >"$WORK/lost.node"
: >"$WORK/lost.kept"
for blob in $(tail -n +2 "$WORK/lost.node"); do hort -r "$WORK/repo" cat blob "$blob" >>"$WORK/lost.kept"; done
cmp -s "$WORK/lost.kept" "$WORK/out2$WORK/src/lost.bin" || fail "the repaired file is not its remaining blobs"
[ "$(head -1 "$WORK/lost.node")" = "$(stat -c %s "$WORK/lost.kept")" ] || fail "the repaired file's size is not its blobs'"
[ "$(stat -c %s "$WORK/lost.kept")" -gt 0 ] || fail "the repaired file kept none of its blobs"
[ "$(stat -c %s "$WORK/lost.kept")" -lt "$(stat -c %s "$WORK/src/lost.bin")" ] || fail "nothing of the damaged file was lost"
python3 - "$WORK/src/lost.bin" "$WORK/repo" "$WORK/lost.node" <<'PY' || fail "the kept blobs are not pieces of the original, in order"
import os, subprocess, sys
original = open(sys.argv[1], "rb").read()
at = 0
for blob in open(sys.argv[3]).read().split()[1:]:
    piece = subprocess.run([os.environ["HORT"], "-r", sys.argv[2], "cat", "blob", blob], capture_output=True, check=True).stdout
    at = original.index(piece, at) + len(piece)
PY
rm "$WORK/src/lost.bin" "$WORK/out2$WORK/src/lost.bin"
treecmp "$WORK/src" "$WORK/out2$WORK/src" --no-dir-mtime --no-sparse
hort -r "$WORK/repo" snapshots --json | python3 -c 'import json,sys; s=json.load(sys.stdin); assert any("repaired" in (x.get("tags") or []) for x in s), s'

note "a damaged snapshot file: forget by policy leaves it out (as restic), forget by ID removes it"
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null
bad=$(ls "$WORK/repo/snapshots" | head -1)
chmod u+w "$WORK/repo/snapshots/$bad"
flip_byte "$WORK/repo/snapshots/$bad" 40
n=$(ls "$WORK/repo/snapshots" | wc -l)
expect_rc 1 "$HORT" -r "$WORK/repo" forget latest
grep -q "is damaged, so the latest snapshot is unknown" "$WORK/last.err" || fail "forget latest: $(cat "$WORK/last.err")"
expect_rc 0 "$HORT" -r "$WORK/repo" forget --keep-last 100
grep -q "snapshot file $bad is damaged and left out" "$WORK/last.err" || fail "forget by policy: $(cat "$WORK/last.err")"
[ "$(ls "$WORK/repo/snapshots" | wc -l)" = "$n" ] || fail "forget by policy removed a snapshot"
note "repair snapshots goes past the damaged file (as restic's) and says how to remove it"
expect_rc 0 "$HORT" -r "$WORK/repo" repair snapshots --forget
grep -q "snapshot file $bad is damaged and left out" "$WORK/last.err" || fail "repair snapshots: $(cat "$WORK/last.err")"
grep -q "hort forget ${bad:0:8}" "$WORK/last.err" || fail "repair snapshots gave no way out: $(cat "$WORK/last.err")"
grep -q "repaired 0 snapshots" "$WORK/last.out" || fail "repair snapshots: $(cat "$WORK/last.out")"
[ -e "$WORK/repo/snapshots/$bad" ] || fail "repair snapshots removed the damaged file"
expect_rc 0 "$HORT" -r "$WORK/repo" forget "${bad:0:8}" "$bad"  # named twice, removed once
[ ! -e "$WORK/repo/snapshots/$bad" ] || fail "forget by ID kept the damaged snapshot file"
[ "$(ls "$WORK/repo/snapshots" | wc -l)" = "$((n - 1))" ] || fail "forget by ID removed more than the damaged file"
hort -r "$WORK/repo" check >/dev/null
restic -r "$WORK/repo" check >/dev/null
