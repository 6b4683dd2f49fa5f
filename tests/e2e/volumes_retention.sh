#!/usr/bin/env bash
# Retention with Longhorn's garbage collection: after forget, blocks that a
# remaining backup references are kept, the others are gone, the remaining
# backups restore identically, LastBackupName moves when its backup goes, and
# a placeholder (an unfinished backup) stops garbage collection as in Longhorn.
source "$(dirname "$0")/lib.sh"
STORE="$WORK/store"
IMG="$WORK/disk.img"
head -c $((8 << 20)) /dev/urandom >"$IMG"
names=()
for round in 1 2 3 4; do
  # each round replaces block 1 and adds nothing else: each backup owns one block
  head -c $((2 << 20)) /dev/urandom | dd of="$IMG" bs=$((2 << 20)) seek=1 conv=notrunc status=none
  hort volumes backup "$IMG" --store "$STORE" --volume pvc-keep --json >"$WORK/b.json"
  names+=("$(json_field backup <"$WORK/b.json")")
  cp "$IMG" "$WORK/v$round.img"
  sleep 1.1  # distinct SnapshotCreatedAt seconds, so --keep-last orders them
done
V=$(ls -d "$STORE"/backupstore/volumes/*/*/pvc-keep)
count_blocks() { find "$V/blocks" -name '*.blk' | wc -l; }
[ "$(count_blocks)" = 7 ] || fail "expected 7 blocks (3 shared + 4 versions of block 1), got $(count_blocks)"

note "dry run removes nothing"
hort volumes forget --store "$STORE" --volume pvc-keep --keep-last 2 --dry-run >/dev/null
[ "$(count_blocks)" = 7 ] || fail "the dry run removed blocks"

note "a placeholder stops garbage collection (Longhorn's rule)"
chmod -R u+w "$V"
printf '{"Name":"backup-00000000deadbeef","VolumeName":"pvc-keep","CreatedTime":"","Size":"0"}' >"$V/backups/backup_backup-00000000deadbeef.cfg"
hort volumes forget --store "$STORE" --volume pvc-keep "${names[0]}" 2>"$WORK/err" >/dev/null
grep -q "no blocks removed: backup backup-00000000deadbeef is unfinished" "$WORK/err" || { cat "$WORK/err"; fail "GC ran over a placeholder"; }
[ "$(count_blocks)" = 7 ] || fail "blocks were removed while a backup was unfinished"
rm "$V/backups/backup_backup-00000000deadbeef.cfg"

note "keep-last 2: the old versions of block 1 go, shared blocks stay"
hort volumes forget --store "$STORE" --volume pvc-keep --keep-last 2 --json >"$WORK/f.json"
[ "$(json_field blocks_removed <"$WORK/f.json")" = 2 ] || { cat "$WORK/f.json"; fail "expected 2 blocks removed"; }
[ "$(count_blocks)" = 5 ] || fail "expected 5 blocks left, got $(count_blocks)"
grep -q '"BlockCount":"5"' "$V/volume.cfg" || fail "BlockCount was not reset to the referenced blocks"
hort volumes verify --store "$STORE" --read-data >/dev/null || fail "verify after forget"
for round in 3 4; do
  rm -f "$WORK/out.img"
  hort volumes restore --store "$STORE" --volume pvc-keep --backup "${names[$((round - 1))]}" --to "$WORK/out.img" >/dev/null
  cmp "$WORK/out.img" "$WORK/v$round.img" || fail "backup $round restored differently after forget"
done

note "forgetting the last backup moves LastBackupName to the newest remaining"
hort volumes forget --store "$STORE" --volume pvc-keep "${names[3]}" >/dev/null
grep -q "\"LastBackupName\":\"${names[2]}\"" "$V/volume.cfg" || fail "LastBackupName did not move"
rm -f "$WORK/out.img"
hort volumes restore --store "$STORE" --volume pvc-keep --to "$WORK/out.img" >/dev/null
cmp "$WORK/out.img" "$WORK/v3.img" || fail "the latest remaining backup restored differently"
[ "$(count_blocks)" = 4 ] || fail "expected 4 blocks left"
echo "PASS"
