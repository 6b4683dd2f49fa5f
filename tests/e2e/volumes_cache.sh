#!/usr/bin/env bash
# The volume block cache: a second backup of a changed ext4 image names its
# unchanged blocks from the first backup's cache and maps exactly what a
# backup with --no-cache maps (the cfgs' block maps byte-identical); its
# restore is sha256-identical to the image; a damaged cache and a cache of
# another last backup are ignored (every block hashed, the same map again).
source "$(dirname "$0")/lib.sh"
export PATH=$PATH:/usr/sbin:/sbin
command -v mkfs.ext4 >/dev/null && command -v debugfs >/dev/null || fail "e2fsprogs is missing (./run installs it)"
export HORT_CACHE_DIR="$WORK/cache"
IMG="$WORK/disk.img"
truncate -s 128M "$IMG"
mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$IMG"
head -c $((24 << 20)) /dev/urandom >"$WORK/big"
debugfs -w -R "write $WORK/big big" "$IMG" >/dev/null 2>&1

# backup STORE [flags...]: one backup of the image, its --json in $WORK/last.json
backup() {
  local store=$1; shift
  hort -v --json "$@" volumes backup "$IMG" --store "$WORK/$store" --volume pvc-cache >"$WORK/last.json" 2>"$WORK/last.err" \
    || { cat "$WORK/last.err"; fail "backup into $store failed"; }
}
# map STORE: the block map of the volume's last backup, as its cfg holds it
map() {
  python3 - "$WORK/$1" <<'EOF'
import glob, json, sys
store = sys.argv[1]
vol = glob.glob(store + "/backupstore/volumes/*/*/pvc-cache")[0]
last = json.load(open(vol + "/volume.cfg"))["LastBackupName"]
print(json.dumps(json.load(open(f"{vol}/backups/backup_{last}.cfg"))["Blocks"]))
EOF
}
field() { json_field "$1" <"$WORK/last.json"; }

note "first backups: one with the cache, one without"
backup cached
[ "$(field cache)" != off ] || fail "the cache is off by default"
backup plain --no-cache
[ "$(field cache)" = off ] || fail "--no-cache left the cache on: $(field cache)"
[ -n "$(ls "$HORT_CACHE_DIR/volumes/"*.cache)" ] || fail "no cache file under HORT_CACHE_DIR"

note "change 3 blocks inside big's data, one of them to a copy of another block"
start=$(debugfs -R "bmap big 0" "$IMG" 2>/dev/null)
first=$(( (start * 4096 + (2 << 20) - 1) / (2 << 20) ))
for i in 0 2; do
  head -c $((2 << 20)) /dev/urandom | dd of="$IMG" bs=$((2 << 20)) seek=$((first + i)) conv=notrunc status=none
done
dd if="$IMG" bs=$((2 << 20)) skip=$((first + 6)) count=1 status=none |
  dd of="$IMG" bs=$((2 << 20)) seek=$((first + 4)) conv=notrunc status=none

note "second backups: the cached one names the unchanged blocks from the cache and maps what the plain one maps"
backup cached
blocks=$(field blocks)
[ "$(field cache)" = used ] || fail "the cache was not used: $(field cache)"
[ "$(field blocks_from_cache)" = $((blocks - 3)) ] || { cat "$WORK/last.json"; fail "expected $((blocks - 3)) blocks from the cache"; }
[ "$(field blocks_new)" = 2 ] || { cat "$WORK/last.json"; fail "expected 2 uploaded blocks"; }
grep -q "block cache: used" "$WORK/last.err" || fail "-v does not say the cache was used"
backup plain --no-cache
[ "$(field blocks_new)" = 2 ] || fail "the plain backup uploaded $(field blocks_new) blocks"
[ "$(map cached)" = "$(map plain)" ] || fail "the block maps differ with and without the cache"

note "the cached backup restores sha256-identical to the image and verifies"
hort volumes restore --store "$WORK/cached" --volume pvc-cache --to "$WORK/r.img" >/dev/null
[ "$(sha256sum <"$WORK/r.img")" = "$(sha256sum <"$IMG")" ] || fail "the restore differs from the image"
hort volumes verify --store "$WORK/cached" --read-data >/dev/null || fail "verify --read-data failed"

note "a damaged cache is ignored"
head -c $((2 << 20)) /dev/urandom | dd of="$IMG" bs=$((2 << 20)) seek=$((first + 8)) conv=notrunc status=none
for f in "$HORT_CACHE_DIR/volumes/"*.cache; do  # one byte flipped in the middle of every cache file
  python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=1; open(p,"wb").write(b)' "$f"
done
backup cached
case "$(field cache)" in "not used: damaged"*) ;; *) fail "a damaged cache was not refused: $(field cache)";; esac
[ "$(field blocks_from_cache)" = 0 ] || fail "blocks were named from a damaged cache"
backup plain --no-cache
[ "$(map cached)" = "$(map plain)" ] || fail "the block maps differ after a damaged cache"

note "a cache written by another backup than the volume's last is ignored"
backup cached --no-cache  # LastBackupName moves on, the cache stays at the backup before
backup cached
case "$(field cache)" in "not used: written by backup"*) ;; *) fail "a stale cache was not refused: $(field cache)";; esac
[ "$(field blocks_from_cache)" = 0 ] || fail "blocks were named from a stale cache"
[ "$(map cached)" = "$(map plain)" ] || fail "the block maps differ after a stale cache"
backup cached
[ "$(field cache)" = used ] || fail "the cache rewritten by the last backup was not used: $(field cache)"
[ "$(field blocks_from_cache)" = "$(field blocks)" ] || fail "an unchanged image was not named from the cache"
hort volumes restore --store "$WORK/cached" --volume pvc-cache --to "$WORK/r2.img" >/dev/null
[ "$(sha256sum <"$WORK/r2.img")" = "$(sha256sum <"$IMG")" ] || fail "the last restore differs from the image"
echo PASS
