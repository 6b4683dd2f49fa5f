#!/usr/bin/env bash
# Stores in states Longhorn leaves them in, through the CLI (the probe of
# 2026-12-07): a backup named longer than 64 characters keeps its blocks
# through forget; an empty LastBackupName keeps the volume's block size, and
# restore takes the newest finished backup; a 0-byte block in the store is
# uploaded again; a volume on a backing image is not backed up; -q is quiet;
# --keep-tag that matches nothing removes nothing. The probe of 2026-12-07:
# LastBackupName on a placeholder restores the newest finished backup (named by
# its cfg's file, not the cfg's Name); a cfg whose name hort refuses is removed
# by forget naming it, after which garbage collection runs; a whole-store ls
# and verify name a folder hort does not read, and a file above a volume's
# folder (debris).
source "$(dirname "$0")/lib.sh"
STORE="$WORK/store"
IMG="$WORK/disk.img"
head -c $((32 << 20)) /dev/urandom >"$IMG"
vol_dir() { ls -d "$STORE"/backupstore/volumes/*/*/"$1"; }
count_blocks() { find "$(vol_dir "$1")/blocks" -name '*.blk' | wc -l; }
set_cfg() {  # set_cfg FILE KEY VALUE: a top-level string field of a cfg (volume.cfg's are quoted twice)
  python3 - "$@" <<'EOF'
import json, sys
path, key, value = sys.argv[1:4]
d = json.load(open(path))
d[key] = value
json.dump(d, open(path, "w"), separators=(",", ":"))
EOF
}

note "a backup named longer than 64 characters keeps its blocks through forget"
hort volumes backup "$IMG" --store "$STORE" --volume pvc-long --json >"$WORK/b.json"
first=$(json_field backup <"$WORK/b.json")
V=$(vol_dir pvc-long)
chmod -R u+w "$V"
long="daily-pvc-long-before-the-upgrade-of-the-household-nas-$(printf 'a%.0s' {1..30})"
sed "s/\"Name\":\"$first\"/\"Name\":\"$long\"/" "$V/backups/backup_$first.cfg" >"$V/backups/backup_$long.cfg"
rm "$V/backups/backup_$first.cfg"
head -c $((32 << 20)) /dev/urandom >"$WORK/other.img"
hort volumes backup "$WORK/other.img" --store "$STORE" --volume pvc-long --json >"$WORK/b.json"
second=$(json_field backup <"$WORK/b.json")
hort volumes ls --store "$STORE" --volume pvc-long >"$WORK/ls.txt"
grep -q -- "$long" "$WORK/ls.txt" || { cat "$WORK/ls.txt"; fail "ls does not list the long-named backup"; }
hort volumes forget --store "$STORE" --volume pvc-long "$second" --json >"$WORK/f.json"
[ "$(json_field blocks_removed <"$WORK/f.json")" = 16 ] || { cat "$WORK/f.json"; fail "expected only the 16 blocks of $second removed"; }
[ "$(count_blocks pvc-long)" = 16 ] || fail "the long-named backup lost blocks"
hort volumes restore --store "$STORE" --volume pvc-long --backup "$long" --to "$WORK/long.img" >/dev/null
cmp "$WORK/long.img" "$IMG" || fail "the long-named backup restored differently"

note "a file among the backups hort cannot read stops garbage collection"
cp "$V/backups/backup_$long.cfg" "$V/backups/backup_-dash-$first.cfg"
hort volumes backup "$WORK/other.img" --store "$STORE" --volume pvc-long --json >"$WORK/b.json"
third=$(json_field backup <"$WORK/b.json")
hort volumes forget --store "$STORE" --volume pvc-long "$third" >/dev/null 2>"$WORK/err"
grep -q "no blocks removed: .*backup_-dash-$first.cfg is a backup cfg whose name \"-dash-$first\" is no Longhorn name" "$WORK/err" ||
  { cat "$WORK/err"; fail "garbage collection ran beside a cfg hort cannot read"; }
grep -qF -- "\`hort volumes forget --store $STORE --volume pvc-long -- -dash-$first\` removes it" "$WORK/err" ||
  { cat "$WORK/err"; fail "the warning names no command that removes the cfg"; }
[ "$(count_blocks pvc-long)" = 32 ] || fail "blocks were removed"

note "forget removes that cfg by its exact name, and garbage collection runs again"
hort volumes ls --store "$STORE" --volume pvc-long >"$WORK/ls.txt"
grep -q -- " -dash-$first .*forget removes no block while it is there" "$WORK/ls.txt" || { cat "$WORK/ls.txt"; fail "ls does not name it"; }
expect_rc 1 "$HORT" volumes forget --store "$STORE" --volume pvc-long -- ../x
one_line "$WORK/last.err"
expect_rc 1 "$HORT" volumes forget --store "$STORE" --volume pvc-long -- -not-there
grep -q "volume pvc-long has no backup -not-there" "$WORK/last.err" || fail "unclear message: $(cat "$WORK/last.err")"
hort volumes forget --store "$STORE" --volume pvc-long --json -- "-dash-$first" >"$WORK/f.json"
[ "$(json_field blocks_removed <"$WORK/f.json")" = 16 ] || { cat "$WORK/f.json"; fail "expected the 16 blocks only $third used removed"; }
[ "$(json_field gc_skipped <"$WORK/f.json")" = "" ] || { cat "$WORK/f.json"; fail "garbage collection still skipped"; }
[ ! -e "$V/backups/backup_-dash-$first.cfg" ] || fail "the cfg is still there"
rm -f "$WORK/long.img"
hort volumes restore --store "$STORE" --volume pvc-long --backup "$long" --to "$WORK/long.img" >/dev/null
cmp "$WORK/long.img" "$IMG" || fail "the long-named backup restored differently"

note "an empty LastBackupName keeps the volume's block size"
hort volumes backup "$IMG" --store "$STORE" --volume pvc-big --block-size 16Mi --json >"$WORK/b.json"
big1=$(json_field backup <"$WORK/b.json")
B=$(vol_dir pvc-big)
chmod -R u+w "$B"
set_cfg "$B/volume.cfg" LastBackupName ""
sleep 1.1  # a later SnapshotCreatedAt
hort volumes backup "$IMG" --store "$STORE" --volume pvc-big --json >"$WORK/b.json"
[ "$(json_field block_size <"$WORK/b.json")" = $((16 << 20)) ] || { cat "$WORK/b.json"; fail "the block size changed"; }
big2=$(json_field backup <"$WORK/b.json")
chmod -R u+w "$B"
set_cfg "$B/volume.cfg" LastBackupName ""
expect_rc 1 "$HORT" volumes backup "$IMG" --store "$STORE" --volume pvc-big --block-size 2Mi
one_line "$WORK/last.err"
grep -q "would mix block sizes" "$WORK/last.err" || fail "unclear message: $(cat "$WORK/last.err")"
hort volumes verify --store "$STORE" --volume pvc-big >/dev/null || fail "verify of a volume of one block size"

note "restore without LastBackupName takes the newest finished backup and says so"
hort volumes restore --store "$STORE" --volume pvc-big --to "$WORK/big.img" >"$WORK/r.out" 2>"$WORK/r.err"
grep -q "LastBackupName is empty; took the newest finished backup, $big2" "$WORK/r.err" || { cat "$WORK/r.err"; fail "no word of the backup taken"; }
grep -q "restored backup $big2" "$WORK/r.out" || fail "not the newest backup restored"
cmp "$WORK/big.img" "$IMG" || fail "restored differently"

note "restore with LastBackupName on an unfinished placeholder takes the newest finished backup"
chmod -R u+w "$B"
python3 - "$B/backups/backup_$big2.cfg" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
d.update(Name="backup-00000000deadbeef", CreatedTime="", Blocks=[], Size="0")
json.dump(d, open(sys.argv[1].replace(sys.argv[1].split("/")[-1], "backup_backup-00000000deadbeef.cfg"), "w"))
EOF2
set_cfg "$B/volume.cfg" LastBackupName backup-00000000deadbeef
rm -f "$WORK/big.img"
hort volumes restore --store "$STORE" --volume pvc-big --to "$WORK/big.img" >"$WORK/r.out" 2>"$WORK/r.err"
grep -q "LastBackupName backup-00000000deadbeef is unfinished (a placeholder cfg); took the newest finished backup, $big2" "$WORK/r.err" ||
  { cat "$WORK/r.err"; fail "no word of the backup taken"; }
cmp "$WORK/big.img" "$IMG" || fail "restored differently"
# The finished cfg under another file name, its Name left: named by its file, the name --backup takes.
moved=backup-00000000c0ffee00
mv "$B/backups/backup_$big2.cfg" "$B/backups/backup_$moved.cfg"
rm -f "$WORK/big.img"
hort volumes restore --store "$STORE" --volume pvc-big --to "$WORK/big.img" --json >"$WORK/r.json" 2>/dev/null
[ "$(json_field backup <"$WORK/r.json")" = "$moved" ] || { cat "$WORK/r.json"; fail "not named by its cfg's file"; }
json_field picked <"$WORK/r.json" | grep -q "took the newest finished backup, $moved (" || { cat "$WORK/r.json"; fail "picked"; }
cmp "$WORK/big.img" "$IMG" || fail "restored differently"
mv "$B/backups/backup_$moved.cfg" "$B/backups/backup_$big2.cfg"
rm "$B/backups/backup_backup-00000000deadbeef.cfg"
set_cfg "$B/volume.cfg" LastBackupName "$big2"

note "verify reports backups of mixed block sizes"
python3 - "$B/backups/backup_$big1.cfg" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["Name"] = "backup-00000000000000aa"
d["Parameters"]["backup-block-size"] = "2097152"
d.pop("Blocks", None)
d["Size"] = "0"
json.dump(d, open(sys.argv[1].replace(sys.argv[1].split("/")[-1], "backup_backup-00000000000000aa.cfg"), "w"))
EOF
expect_rc 1 "$HORT" volumes verify --store "$STORE" --volume pvc-big
grep -q "damage: volume pvc-big: its backups mix block sizes" "$WORK/last.out" || { cat "$WORK/last.out"; fail "no block-size-mix finding"; }
rm "$B/backups/backup_backup-00000000000000aa.cfg"

note "a 0-byte block in the store is uploaded again"
chmod -R u+w "$B"
blk=$(find "$B/blocks" -name '*.blk' | head -1)
: >"$blk"
hort volumes backup "$IMG" --store "$STORE" --volume pvc-big --json >"$WORK/b.json"
[ "$(json_field blocks_new <"$WORK/b.json")" = 1 ] || { cat "$WORK/b.json"; fail "the empty block was not uploaded again"; }
[ -s "$blk" ] || fail "the block is still empty"
rm -f "$WORK/big.img"
hort volumes restore --store "$STORE" --volume pvc-big --to "$WORK/big.img" >/dev/null
cmp "$WORK/big.img" "$IMG" || fail "restored differently"

note "-q: backup and restore print nothing"
hort -q volumes backup "$IMG" --store "$STORE" --volume pvc-big >"$WORK/q.out"
rm -f "$WORK/big.img"
hort -q volumes restore --store "$STORE" --volume pvc-big --to "$WORK/big.img" >>"$WORK/q.out"
[ ! -s "$WORK/q.out" ] || { cat "$WORK/q.out"; fail "-q printed"; }

note "--compression for an existing volume: a warning, the volume's codec"
hort volumes backup "$IMG" --store "$STORE" --volume pvc-big --compression gzip --json >"$WORK/b.json" 2>"$WORK/err"
[ "$(json_field compression <"$WORK/b.json")" = lz4 ] || fail "the codec changed"
grep -q "warning: volume pvc-big keeps its codec lz4; --compression gzip applies only to a new volume" "$WORK/err" ||
  { cat "$WORK/err"; fail "no warning"; }

note "--keep-tag matching no backup removes nothing"
n=$(ls "$B/backups" | wc -l)
expect_rc 1 "$HORT" volumes forget --store "$STORE" --volume pvc-big --keep-tag pre-upgrade
one_line "$WORK/last.err"
grep -q "would remove every backup, the latest too; nothing was removed" "$WORK/last.err" || fail "unclear message: $(cat "$WORK/last.err")"
[ "$(ls "$B/backups" | wc -l)" = "$n" ] || fail "backups were removed"

note "a volume on a backing image is not backed up"
chmod -R u+w "$B"
set_cfg "$B/volume.cfg" BackingImageName '"bi-ubuntu"'
n=$(ls "$B/backups" | wc -l)
expect_rc 1 "$HORT" volumes backup "$IMG" --store "$STORE" --volume pvc-big
one_line "$WORK/last.err"
grep -q "volume pvc-big is based on backing image bi-ubuntu: backing images are not supported" "$WORK/last.err" ||
  fail "unclear message: $(cat "$WORK/last.err")"
[ "$(ls "$B/backups" | wc -l)" = "$n" ] || fail "a backup cfg was written"
[ -z "$(find "$B" -name "*.lck")" ] || fail "a lock was left"

note "a whole-store ls and verify name a volume folder hort does not read"
S2="$WORK/store2"
hort volumes backup "$IMG" --store "$S2" --volume pvc-ok >/dev/null
hort volumes verify --store "$S2" >/dev/null || fail "a clean store does not verify"
odd="pvc-$(printf 'b%.0s' {1..70})"
h=$(printf %s "$odd" | sha512sum | cut -c1-4)
mkdir -p "$S2/backupstore/volumes/${h:0:2}/${h:2:2}"
cp -r "$(ls -d "$S2"/backupstore/volumes/*/*/pvc-ok)" "$S2/backupstore/volumes/${h:0:2}/${h:2:2}/$odd"
hort volumes ls --store "$S2" >"$WORK/ls.txt"
grep -q "^$odd .*folder backupstore/volumes/${h:0:2}/${h:2:2}/$odd/: volume name \"$odd\" is not a Longhorn volume name" "$WORK/ls.txt" ||
  { cat "$WORK/ls.txt"; fail "ls does not name the folder"; }
expect_rc 1 "$HORT" volumes verify --store "$S2"
grep -q "^damage: folder backupstore/volumes/${h:0:2}/${h:2:2}/$odd/: volume name \"$odd\" is not a Longhorn volume name" "$WORK/last.out" ||
  { cat "$WORK/last.out"; fail "verify does not name the folder"; }
grep -q "^pvc-ok/backup-[0-9a-f]* ok" "$WORK/last.out" || { cat "$WORK/last.out"; fail "the readable volume was not verified"; }

note "a whole-store ls and verify name a file above a volume's folder (debris)"
S3="$WORK/store3"
hort volumes backup "$IMG" --store "$S3" --volume pvc-ok >/dev/null
h=$(printf %s pvc-ok | sha512sum | cut -c1-4)
echo note >"$S3/backupstore/volumes/README.txt"
echo note >"$S3/backupstore/volumes/${h:0:2}/pvc-ok.txt"
for rel in README.txt "${h:0:2}/pvc-ok.txt"; do
  hort volumes ls --store "$S3" >"$WORK/ls.txt"
  grep -q "^$rel .*unexpected file backupstore/volumes/$rel above any volume's folder" "$WORK/ls.txt" ||
    { cat "$WORK/ls.txt"; fail "ls does not name $rel"; }
done
expect_rc 3 "$HORT" volumes verify --store "$S3"
for rel in README.txt "${h:0:2}/pvc-ok.txt"; do
  grep -q "^debris: unexpected file backupstore/volumes/$rel above any volume's folder" "$WORK/last.out" ||
    { cat "$WORK/last.out"; fail "verify does not name $rel"; }
done
grep -q "^pvc-ok/backup-[0-9a-f]* ok" "$WORK/last.out" || { cat "$WORK/last.out"; fail "the volume was not verified"; }

note "a key with a control character (ESC would drive the terminal) is shown as \\x1b by ls and verify"
esc_name="$(printf 'x\033]0;owned\007.txt')"
echo note >"$S3/backupstore/volumes/$esc_name"
hort volumes ls --store "$S3" >"$WORK/ls.txt"
expect_rc 3 "$HORT" volumes verify --store "$S3"
for out in "$WORK/ls.txt" "$WORK/last.out"; do
  ! grep -q "$(printf '\033')" "$out" || fail "a raw ESC reached the terminal: $(cat -v "$out")"
  grep -qF 'x\x1b]0;owned\x07.txt' "$out" || { cat "$out"; fail "the key is not named escaped"; }
done
# A backup cfg's file name is a backup's name: printed by verify's per-backup line, escaped too.
cfg=$(ls "$S3"/backupstore/volumes/*/*/pvc-ok/backups/backup_*.cfg | head -1)
cp "$cfg" "$(dirname "$cfg")/backup_esc$(printf '\033')[31mred.cfg"
"$HORT" volumes verify --store "$S3" --volume pvc-ok >"$WORK/esc.out" 2>&1 || true
! grep -q "$(printf '\033')" "$WORK/esc.out" || fail "a backup name's raw ESC reached the terminal: $(cat -v "$WORK/esc.out")"
grep -qF 'esc\x1b[31mred' "$WORK/esc.out" || { cat -v "$WORK/esc.out"; fail "the backup is not named escaped"; }
echo "PASS"
