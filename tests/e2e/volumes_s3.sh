#!/usr/bin/env bash
# The volumes layer on Ceph RGW through a Longhorn S3 target URL
# (s3://bucket@region/path with AWS_ENDPOINTS, Longhorn's credential keys):
# backup, incremental backup, verify --read-data, restore both exactly,
# forget with garbage collection (the newer backup kept), the key layout in the
# bucket (<path>/backupstore/volumes/xx/yy/<volume>/…, no lock left behind), and
# the same store as a local folder.
source "$(dirname "$0")/lib.sh"
eval "$(sed 's/^/export /' "$HORT_SERVERS_DIR/env")"
export AWS_ACCESS_KEY_ID=$HORT_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$HORT_TEST_S3_SECRET_KEY
export AWS_ENDPOINTS=$HORT_TEST_S3_ENDPOINT
bucket="volumes-$$-$RANDOM"
IMG="$WORK/disk.img"
head -c $((6 << 20)) /dev/urandom >"$IMG"
truncate -s $((10 << 20)) "$IMG"
for store in "s3://$bucket@us-east-1/longhorn" "vfs://$WORK/folder"; do
  note "$store"
  hort volumes backup "$IMG" --store "$store" --volume pvc-s3 --json >"$WORK/b1.json"
  B1=$(json_field backup <"$WORK/b1.json")
  cp "$IMG" "$WORK/v1.img"
  head -c $((2 << 20)) /dev/urandom | dd of="$IMG" bs=$((2 << 20)) seek=1 conv=notrunc status=none
  hort volumes backup "$IMG" --store "$store" --volume pvc-s3 --json >"$WORK/b2.json"
  [ "$(json_field blocks_new <"$WORK/b2.json")" = 1 ] || fail "$store: expected one new block"
  hort volumes verify --store "$store" --read-data >/dev/null || fail "$store: verify"
  for b in "$B1" ""; do
    rm -f "$WORK/out.img"
    hort volumes restore --store "$store" --volume pvc-s3 ${b:+--backup "$b"} --to "$WORK/out.img" >/dev/null
    cmp "$WORK/out.img" "$([ -n "$b" ] && echo "$WORK/v1.img" || echo "$IMG")" || fail "$store: restore ${b:-latest} differs"
  done
  B2=$(json_field backup <"$WORK/b2.json")
  hort volumes forget --store "$store" --volume pvc-s3 --keep-last 1 --json >"$WORK/f.json"
  [ "$(json_field blocks_removed <"$WORK/f.json")" = 1 ] || { cat "$WORK/f.json"; fail "$store: expected one block collected"; }
  [ -n "${S3_B2:-}" ] || S3_B2=$B2
  # the newer (B2) stays, whatever the names' order (same-second ties: VolumeOpsTest.KeepLastOneKeepsTheNewestOfOneSecond)
  [ "$(json_field last_backup <"$WORK/f.json")" = "$B2" ] || { cat "$WORK/f.json"; fail "$store: kept the wrong backup"; }
  [ "$(json_field removed <"$WORK/f.json")" = "['$B1']" ] || { cat "$WORK/f.json"; fail "$store: removed the wrong backup"; }
  hort volumes verify --store "$store" --read-data >/dev/null || fail "$store: verify after forget"
  hort volumes ls --store "$store" --json | grep -q '"last_backup":"backup-' || fail "$store: ls"
  cp "$WORK/v1.img" "$IMG"
done
note "the keys are under <path>/backupstore/volumes/xx/yy/<volume>/, as Longhorn puts them"
h=$(printf 'pvc-s3' | sha512sum)
dir="longhorn/backupstore/volumes/${h:0:2}/${h:2:2}/pvc-s3"
# curl signs the listing (RGW wants x-amz-content-sha256); the keys come from a file, not argv.
printf 'user = "%s:%s"\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$WORK/curl.cfg"
curl -sS --fail -K "$WORK/curl.cfg" --aws-sigv4 "aws:amz:us-east-1:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
  "$AWS_ENDPOINTS/$bucket?list-type=2&prefix=" >"$WORK/keys.xml" || fail "cannot list the bucket"
grep -o '<Key>[^<]*</Key>' "$WORK/keys.xml" | sed 's/<[^>]*>//g' >"$WORK/keys"
grep -qx "$dir/volume.cfg" "$WORK/keys" || { cat "$WORK/keys"; fail "no $dir/volume.cfg"; }
grep -qx "$dir/backups/backup_$S3_B2.cfg" "$WORK/keys" || fail "no backup cfg under $dir/backups/"
grep -qE "^$dir/blocks/([0-9a-f]{2})/([0-9a-f]{2})/\1\2[0-9a-f]{60}\.blk$" "$WORK/keys" || fail "no block under $dir/blocks/xx/yy/"
bad=$(grep -vE "^$dir/(volume\.cfg|backups/backup_backup-[0-9a-f]{16}\.cfg|blocks/([0-9a-f]{2})/([0-9a-f]{2})/\2\3[0-9a-f]{60}\.blk)$" "$WORK/keys" || true)
[ -z "$bad" ] || fail "unexpected keys in the bucket (a lock or placeholder left behind?): $bad"
hort volumes ls --store "s3://$bucket@us-east-1/elsewhere" --json | grep -qx '\[\]' || fail "another path must be empty"
echo "PASS"
