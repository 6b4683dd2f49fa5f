#!/usr/bin/env bash
# verify finds each planted fault in a copy of a clean store and names the
# backup and the block: damage exits 1 (flipped bit, missing block, cfg naming
# a missing block, truncated cfg), debris alone exits 3 (orphan block,
# abandoned placeholder, stale lock, leftover temp file); a volume under a live
# delete lock is skipped (exit 11) while the others are verified.
source "$(dirname "$0")/lib.sh"
CLEAN="$WORK/clean"
IMG="$WORK/disk.img"
head -c $((12 << 20)) /dev/urandom >"$IMG"
truncate -s $((16 << 20)) "$IMG"   # the last 2 blocks are a hole
hort volumes backup "$IMG" --store "$CLEAN" --volume pvc-faults --json >"$WORK/b1.json"
B1=$(json_field backup <"$WORK/b1.json")
head -c $((2 << 20)) /dev/urandom | dd of="$IMG" bs=$((2 << 20)) seek=1 conv=notrunc status=none
hort volumes backup "$IMG" --store "$CLEAN" --volume pvc-faults --json >"$WORK/b2.json"
B2=$(json_field backup <"$WORK/b2.json")
hort volumes verify --store "$CLEAN" --read-data >/dev/null || fail "the clean store does not verify"
VOL_REL=$(cd "$CLEAN" && ls -d backupstore/volumes/*/*/pvc-faults)

# fresh_copy: $S is a writable copy of the clean store, $V its volume folder.
fresh_copy() {
  rm -rf "$WORK/s"; cp -r "$CLEAN" "$WORK/s"; chmod -R u+w "$WORK/s"
  S="$WORK/s"; V="$S/$VOL_REL"
}
# block_of BACKUP INDEX: the checksum of the INDEX-th block of BACKUP's map.
block_of() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Blocks"][int(sys.argv[2])]["BlockChecksum"])' "$V/backups/backup_$1.cfg" "$2"; }
blk_path() { echo "$V/blocks/${1:0:2}/${1:2:2}/$1.blk"; }
# expect_finding CODE PATTERN [verify flags]: verify exits CODE and prints PATTERN.
expect_finding() {
  local code=$1 pattern=$2; shift 2
  expect_rc "$code" "$HORT" volumes verify --store "$S" "$@"
  grep -qE -- "$pattern" "$WORK/last.out" || { cat "$WORK/last.out"; fail "no finding matching: $pattern"; }
}

note "flipped bit in a block (only B1 has the old block 1)"
fresh_copy
c=$(block_of "$B1" 1)
/usr/bin/python3 - "$(blk_path "$c")" <<'PY'
import sys
p = sys.argv[1]; d = bytearray(open(p, "rb").read()); d[len(d) // 2] ^= 0x10; open(p, "wb").write(d)
PY
expect_finding 1 "backup $B1: block $c at offset 2097152 is damaged" --read-data
grep -q "pvc-faults/$B2 ok" "$WORK/last.out" || fail "$B2 does not use the damaged block and must stay ok"
expect_finding 1 "damage: .*$c" --read-data-subset 100%

note "missing block (found without --read-data)"
fresh_copy
c=$(block_of "$B2" 0)
rm "$(blk_path "$c")"
expect_finding 1 "backup $B2: block $c at offset 0 is missing"
grep -q "backup $B1: block $c" "$WORK/last.out" || fail "both backups use block 0; both must be named"

note "cfg naming a block that was never stored"
fresh_copy
ghost=$(printf 'ghost' | sha512sum | cut -c1-64)
sed -i "s/$(block_of "$B2" 3)/$ghost/" "$V/backups/backup_$B2.cfg"
expect_finding 1 "backup $B2: block $ghost at offset 6291456 is missing"

note "orphan block"
fresh_copy
orphan=$(printf 'orphan' | sha512sum | cut -c1-64)
mkdir -p "$(dirname "$(blk_path "$orphan")")"
cp "$(blk_path "$(block_of "$B2" 0)")" "$(blk_path "$orphan")"
expect_finding 3 "orphan block $orphan"

note "truncated cfg"
fresh_copy
truncate -s 100 "$V/backups/backup_$B1.cfg"
expect_finding 1 "pvc-faults/$B1 unreadable"
grep -q "backup $B1 .*not valid JSON" "$WORK/last.out" || fail "the finding does not say why"
# B1's old block 1 may be used by the cfg that cannot be read: not debris to remove.
! grep -q "orphan block" "$WORK/last.out" || fail "a block the unreadable cfg may use was called an orphan"

note "abandoned placeholder"
fresh_copy
printf '{"Name":"backup-00000000deadbeef","VolumeName":"pvc-faults","SnapshotName":"","SnapshotCreatedAt":"","CreatedTime":"","Size":"0","Labels":null,"Parameters":null,"IsIncremental":false,"CompressionMethod":"lz4","NewlyUploadedDataSize":"0","ReUploadedDataSize":"0","ProcessingBlocks":null,"SingleFile":{"FilePath":""}}' \
  >"$V/backups/backup_backup-00000000deadbeef.cfg"
expect_finding 3 "backup backup-00000000deadbeef is an abandoned placeholder"

note "stale lock"
fresh_copy
mkdir -p "$V/locks"
printf '{"Name":"lock-0123456789abcdef","Type":2,"Acquired":true}' >"$V/locks/lock-0123456789abcdef.lck"
touch -d '-10 minutes' "$V/locks/lock-0123456789abcdef.lck"
expect_finding 3 "stale lock lock-0123456789abcdef"

note "a live delete lock keeps verify (a type-1 lock) out of that volume only (after --retry-lock, Longhorn's 30 s by default)"
fresh_copy
head -c $((2 << 20)) /dev/urandom >"$WORK/other.img"
hort volumes backup "$WORK/other.img" --store "$S" --volume pvc-other >/dev/null
mkdir -p "$V/locks"
printf '{"Name":"lock-0123456789abcdef","Type":2,"Acquired":true}' >"$V/locks/lock-0123456789abcdef.lck"
t0=$SECONDS
expect_rc 11 "$HORT" --retry-lock 4s volumes verify --store "$S"
waited=$((SECONDS - t0))
[ "$waited" -ge 4 ] && [ "$waited" -lt 15 ] || fail "--retry-lock 4s waited $waited s"
grep -q "^locked, not verified: pvc-faults: volume pvc-faults is locked for delete by lock-0123456789abcdef" "$WORK/last.out" ||
  { cat "$WORK/last.out"; fail "the locked volume is not reported"; }
grep -q "^pvc-other/backup-[0-9a-f]* ok" "$WORK/last.out" || fail "the other volume was not verified"
t0=$SECONDS
expect_rc 11 "$HORT" --retry-lock 0 volumes verify --store "$S" --volume pvc-faults
[ $((SECONDS - t0)) -lt 12 ] || fail "--retry-lock 0 waited $((SECONDS - t0)) s"  # Longhorn's 2 s settle, one look; no wait of 30 s (the default)
one_line "$WORK/last.err"
[ -z "$(ls "$V/locks" | grep -v lock-0123456789abcdef)" ] || fail "verify left its lock behind"

note "leftover temp file of an interrupted NFS write"
fresh_copy
cp "$V/volume.cfg" "$V/volume.cfg.tmp.1733222222000000000"
expect_finding 3 "leftover temporary file .*volume.cfg.tmp.1733222222000000000"

note "--json carries the same findings"
"$HORT" volumes verify --store "$S" --json >"$WORK/v.json" || true
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["debris"] and not d["damaged"]; assert any(f["kind"]=="temp-file" for f in d["findings"])' "$WORK/v.json"
echo "PASS"
