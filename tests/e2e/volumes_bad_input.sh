#!/usr/bin/env bash
# Bad input to hort volumes: each is one line on stderr and exit 1 (docs/
# exit-codes.md), nothing is written outside the target, and no restore
# target is left half-written.
source "$(dirname "$0")/lib.sh"
STORE="$WORK/store"
IMG="$WORK/disk.img"
head -c $((8 << 20)) /dev/urandom >"$IMG"
hort volumes backup "$IMG" --store "$STORE" --volume pvc-bad --json >"$WORK/b.json"
B=$(json_field backup <"$WORK/b.json")
V=$(ls -d "$STORE"/backupstore/volumes/*/*/pvc-bad)
snapshot() { (cd "$WORK" && find . -path ./last.out -prune -o -path ./last.err -prune -o -name 'tree.*' -prune -o -print | sort) >"$WORK/tree.$1"; }
# rejected CMD...: exit 1, exactly one line, and the work folder as it was.
rejected() {
  snapshot before
  expect_rc 1 "$@"
  one_line "$WORK/last.err"
  snapshot after
  diff "$WORK/tree.before" "$WORK/tree.after" >&2 || fail "files appeared or vanished: $*"
}

note "volume names with / or .."
for name in "../escape" "a/b" ".." "x"; do
  rejected "$HORT" volumes backup "$IMG" --store "$STORE" --volume "$name"
  rejected "$HORT" volumes restore --store "$STORE" --volume "$name" --to "$WORK/out.img"
done
rejected "$HORT" volumes restore --store "$STORE" --volume pvc-bad --backup "../../x" --to "$WORK/out.img"
rejected "$HORT" volumes backup "$IMG" --store "$STORE" --volume "$(printf 'a\033b')"
grep -qF 'a\x1bb' "$WORK/last.err" || fail "the ESC of a volume name reached the terminal: $(od -c "$WORK/last.err")"
expect_rc 1 "$HORT" "$(printf 'bak\033up')"
grep -qF 'bak\x1bup' "$WORK/last.err" || fail "the ESC of a command word reached the terminal: $(od -c "$WORK/last.err")"

note "unknown store URL kinds"
for url in "vfs://relative" "ftp://host/x" "azblob://c@core.windows.net/p"; do
  rejected "$HORT" volumes ls --store "$url"
done
grep -q "unknown kind" "$WORK/last.err" || fail "unclear message"

note "an image smaller than the volume"
head -c $((4 << 20)) /dev/urandom >"$WORK/small.img"
rejected "$HORT" volumes backup "$WORK/small.img" --store "$STORE" --volume pvc-bad
grep -q "is smaller than volume pvc-bad" "$WORK/last.err" || fail "unclear message"
head -c $((3 << 20)) /dev/urandom >"$WORK/odd.img"
rejected "$HORT" volumes backup "$WORK/odd.img" --store "$STORE" --volume pvc-new
grep -q "not a multiple of the block size" "$WORK/last.err" || fail "unclear message"

chmod -R u+w "$V"
cp -r "$V/backups" "$WORK/backups.orig"
restore_cfg() { rm -rf "$V/backups"; cp -r "$WORK/backups.orig" "$V/backups"; }

note "cfgs with absurd sizes and offsets"
for edit in 's/"Offset":2097152/"Offset":99999999999999999999/' 's/"Offset":2097152/"Offset":-2097152/' \
            's/"Offset":2097152/"Offset":2097153/' 's/"Offset":6291456/"Offset":1073741824/' \
            's/"backup-block-size":"2097152"/"backup-block-size":"3"/'; do
  restore_cfg
  sed -i "$edit" "$V/backups/backup_$B.cfg"
  rejected "$HORT" volumes restore --store "$STORE" --volume pvc-bad --to "$WORK/out.img"
  expect_rc 1 "$HORT" volumes verify --store "$STORE"
done
restore_cfg
chmod u+w "$V/volume.cfg"; cp "$V/volume.cfg" "$WORK/volume.cfg.orig"
sed -i 's/"Size":"[0-9]*"/"Size":"99999999999999999999999"/' "$V/volume.cfg"
rejected "$HORT" volumes restore --store "$STORE" --volume pvc-bad --to "$WORK/out.img"
cp "$WORK/volume.cfg.orig" "$V/volume.cfg"

note "a block that decompresses to more than the block size is refused"
c=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Blocks"][0]["BlockChecksum"])' "$V/backups/backup_$B.cfg")
/usr/bin/python3 - "$V/blocks/${c:0:2}/${c:2:2}/$c.blk" <<'PY'
import sys, lz4.frame
# 64 MiB of zeros in a frame of a few hundred KiB: a decompression bomb
open(sys.argv[1], "wb").write(lz4.frame.compress(bytes(64 << 20), block_size=lz4.frame.BLOCKSIZE_MAX4MB, content_checksum=True))
PY
rejected "$HORT" volumes restore --store "$STORE" --volume pvc-bad --to "$WORK/out.img"
grep -q "decompresses to more than the block size" "$WORK/last.err" || { cat "$WORK/last.err"; fail "unclear message"; }
/usr/bin/time -f '%M' -o "$WORK/rss" "$HORT" volumes verify --store "$STORE" --read-data >"$WORK/v.out" 2>&1 || true
grep -q "decompresses to more than the block size" "$WORK/v.out" || fail "verify did not report the bomb"
rss_below 65536 "$WORK/rss" "verify of a 64 MiB decompression bomb"
cp "$IMG" "$WORK/existing.img"  # found midway onto an existing target: the message says it was touched
expect_rc 1 "$HORT" volumes restore --store "$STORE" --volume pvc-bad --to "$WORK/existing.img"
one_line "$WORK/last.err"
grep -q "existing.img was partly overwritten" "$WORK/last.err" || fail "unclear message: $(cat "$WORK/last.err")"

note "verify: --read-data and --read-data-subset are alternatives, refused together as check refuses them"
rejected "$HORT" volumes verify --store "$STORE" --read-data --read-data-subset 1/2
grep -qx "Fatal: volumes verify flags --read-data and --read-data-subset cannot be used together" "$WORK/last.err" \
  || fail "unclear message: $(cat "$WORK/last.err")"

note "--incremental without an earlier restore"
rejected "$HORT" volumes restore --store "$STORE" --volume pvc-bad --to "$WORK/none.img" --incremental

note "a name of 65 characters; a store that is not there; a target that would be cut or land in /dev"
rejected "$HORT" volumes backup "$IMG" --store "$STORE" --volume "$(printf 'a%.0s' $(seq 65))"
grep -q "2 to 64 characters" "$WORK/last.err" || fail "unclear message: $(cat "$WORK/last.err")"
for cmd in "verify" "ls" "forget --volume pvc-bad --keep-last 1"; do
  expect_rc 10 "$HORT" volumes $cmd --store "$WORK/no-such-store"
  one_line "$WORK/last.err"
  rejected "$HORT" volumes $cmd --store "$IMG"
done
[ ! -e "$WORK/no-such-store" ] || fail "a command made the missing store"
expect_rc 0 "$HORT" volumes ls --store "local:$STORE"  # OpenStore's spelling of a folder
grep -q pvc-bad "$WORK/last.out" || fail "local:$STORE lists no volume"
rejected "$HORT" volumes restore --store "$STORE" --volume pvc-bad --to /dev/hort-no-such-device
grep -q "no device /dev/hort-no-such-device" "$WORK/last.err" || fail "unclear message: $(cat "$WORK/last.err")"
[ ! -e /dev/hort-no-such-device ] || { rm -f /dev/hort-no-such-device; fail "a file was made in /dev"; }
head -c $((12 << 20)) /dev/urandom >"$WORK/bigger.img"
rejected "$HORT" volumes restore --store "$STORE" --volume pvc-bad --to "$WORK/bigger.img"
[ "$(stat -c %s "$WORK/bigger.img")" = $((12 << 20)) ] || fail "a larger target was cut"
echo "PASS"
