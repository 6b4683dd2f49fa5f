#!/usr/bin/env bash
# A 256 MiB image holding a real ext4 filesystem: backup, change 1 % of its
# 2 MiB blocks (at least 2), backup again (exactly those blocks uploaded),
# restore both (sha256 identical, e2fsck -fn clean), an incremental restore
# writes only the changed blocks, a restore into an existing file full of garbage
# zeroes what no block covers; SIGINT/SIGTERM leave no lock, placeholder or new
# target (exit 130); verify --read-data of 16 MiB blocks stays below 64 MiB RSS.
# HORT_VOLUMES_SIZE_MIB=1024 is the 1 GiB run (CTest e2e.volumes_roundtrip_1g).
source "$(dirname "$0")/lib.sh"
export PATH=$PATH:/usr/sbin:/sbin
command -v mkfs.ext4 >/dev/null && command -v debugfs >/dev/null || fail "e2fsprogs is missing (./run installs it)"
SIZE_MIB=${HORT_VOLUMES_SIZE_MIB:-256}
STORE="$WORK/store"
IMG="$WORK/disk.img"
truncate -s ${SIZE_MIB}M "$IMG"
mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$IMG"
CHANGED=$(( SIZE_MIB / 2 / 100 < 2 ? 2 : SIZE_MIB / 2 / 100 ))  # 1 % of the 2 MiB blocks
head -c $(( (SIZE_MIB / 16 < 16 ? 16 : SIZE_MIB / 16) << 20 )) /dev/urandom >"$WORK/big"  # room for 2×CHANGED blocks
head -c 300000 /dev/urandom >"$WORK/small"
debugfs -w -R "write $WORK/big big" "$IMG" >/dev/null 2>&1
debugfs -w -R "mkdir dir" "$IMG" >/dev/null 2>&1
debugfs -w -R "write $WORK/small dir/small" "$IMG" >/dev/null 2>&1
e2fsck -fn "$IMG" >/dev/null 2>&1 || fail "the test image is not clean before the backup"

note "first backup"
hort volumes backup "$IMG" --store "$STORE" --volume pvc-roundtrip --json >"$WORK/b1.json"
[ "$(json_field incremental <"$WORK/b1.json")" = False ] || fail "the first backup must be full"
B1=$(json_field backup <"$WORK/b1.json")
cp "$IMG" "$WORK/v1.img"

note "change $CHANGED 2 MiB blocks inside big's data"
# big's first physical 4 KiB block; its extent is contiguous (one write to a fresh filesystem)
start=$(debugfs -R "bmap big 0" "$IMG" 2>/dev/null)
first=$(( (start * 4096 + (2 << 20) - 1) / (2 << 20) ))  # the first 2 MiB block wholly inside big
for ((i = 0; i < CHANGED; i++)); do
  head -c $((2 << 20)) /dev/urandom | dd of="$IMG" bs=$((2 << 20)) seek=$((first + 2 * i)) conv=notrunc status=none
done
e2fsck -fn "$IMG" >/dev/null 2>&1 || fail "changing file data broke the filesystem"

note "second backup uploads exactly the $CHANGED changed blocks"
hort volumes backup "$IMG" --store "$STORE" --volume pvc-roundtrip --json >"$WORK/b2.json"
[ "$(json_field incremental <"$WORK/b2.json")" = True ] || fail "the second backup must be incremental"
[ "$(json_field blocks_new <"$WORK/b2.json")" = "$CHANGED" ] || { cat "$WORK/b2.json"; fail "expected $CHANGED uploaded blocks"; }
B2=$(json_field backup <"$WORK/b2.json")

note "verify"
hort volumes verify --store "$STORE" --read-data >/dev/null

note "restore both: identical images, clean filesystems"
hort volumes restore --store "$STORE" --volume pvc-roundtrip --backup "$B1" --to "$WORK/r1.img" >/dev/null
hort volumes restore --store "$STORE" --volume pvc-roundtrip --to "$WORK/r2.img" >/dev/null
[ "$(sha256sum <"$WORK/r1.img")" = "$(sha256sum <"$WORK/v1.img")" ] || fail "backup 1 restored differently"
[ "$(sha256sum <"$WORK/r2.img")" = "$(sha256sum <"$IMG")" ] || fail "backup 2 restored differently"
e2fsck -fn "$WORK/r1.img" >/dev/null 2>&1 || fail "restored backup 1 does not pass e2fsck"
e2fsck -fn "$WORK/r2.img" >/dev/null 2>&1 || fail "restored backup 2 does not pass e2fsck"
debugfs -R "cat dir/small" "$WORK/r2.img" 2>/dev/null | cmp - "$WORK/small" || fail "dir/small differs"

note "incremental restore of backup 2 onto the restore of backup 1 writes the $CHANGED changed blocks"
hort volumes restore --store "$STORE" --volume pvc-roundtrip --backup "$B2" --to "$WORK/r1.img" --incremental --json >"$WORK/ri.json"
[ "$(json_field blocks_written <"$WORK/ri.json")" = "$CHANGED" ] || { cat "$WORK/ri.json"; fail "expected $CHANGED blocks written"; }
[ "$(sha256sum <"$WORK/r1.img")" = "$(sha256sum <"$IMG")" ] || fail "the incremental restore differs"

note "a restore into an existing file of garbage zeroes what no block covers"
head -c $((SIZE_MIB << 20)) /dev/urandom >"$WORK/garbage.img"
hort volumes restore --store "$STORE" --volume pvc-roundtrip --backup "$B1" --to "$WORK/garbage.img" >/dev/null
[ "$(sha256sum <"$WORK/garbage.img")" = "$(sha256sum <"$WORK/v1.img")" ] || fail "garbage survived the restore"
note "SIGINT/SIGTERM: exit 130, no lock, no placeholder, no half-restored new file"
"$HORT" volumes backup "$IMG" --store "$STORE" --volume pvc-roundtrip >"$WORK/int.out" 2>&1 &
pid=$!; sleep 1; kill -INT $pid
rc=0; wait $pid || rc=$?
[ "$rc" = 130 ] || { cat "$WORK/int.out"; fail "an interrupted backup exits $rc, not 130"; }
"$HORT" volumes restore --store "$STORE" --volume pvc-roundtrip --to "$WORK/int.img" >"$WORK/int.out" 2>&1 &
pid=$!; sleep 1; kill -TERM $pid
rc=0; wait $pid || rc=$?
[ "$rc" = 130 ] || { cat "$WORK/int.out"; fail "an interrupted restore exits $rc, not 130"; }
[ ! -e "$WORK/int.img" ] || fail "the interrupted restore left its new target"
VOL_DIR=$(ls -d "$STORE"/backupstore/volumes/*/*/pvc-roundtrip)
[ -z "$(ls "$VOL_DIR/locks" 2>/dev/null)" ] || fail "a lock was left behind: $(ls "$VOL_DIR/locks")"
hort volumes verify --store "$STORE" >/dev/null || fail "an interrupted run left debris or damage"

note "verify --read-data of 16 MiB blocks stays below 64 MiB"
head -c $((128 << 20)) /dev/urandom >"$WORK/big16.img"
hort volumes backup "$WORK/big16.img" --store "$STORE" --volume pvc-big16 --block-size 16Mi >/dev/null
rm "$WORK/big16.img"
/usr/bin/time -f %M -o "$WORK/rss" "$HORT" volumes verify --store "$STORE" --volume pvc-big16 --read-data >/dev/null ||
  fail "verify of pvc-big16 failed"
rss_below 65536 "$WORK/rss" "verify --read-data of 16 MiB blocks"
echo "PASS"
