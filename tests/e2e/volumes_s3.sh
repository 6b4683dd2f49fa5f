#!/usr/bin/env bash
# The volumes layer on Ceph RGW through a Longhorn S3 target URL
# (s3://bucket@region/path with AWS_ENDPOINTS, Longhorn's credential keys):
# backup, incremental backup, verify --read-data, restore both exactly,
# forget with garbage collection, and the same store as a local folder.
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
  hort volumes forget --store "$store" --volume pvc-s3 --keep-last 1 --json >"$WORK/f.json"
  [ "$(json_field blocks_removed <"$WORK/f.json")" = 1 ] || { cat "$WORK/f.json"; fail "$store: expected one block collected"; }
  hort volumes verify --store "$store" --read-data >/dev/null || fail "$store: verify after forget"
  hort volumes ls --store "$store" --json | grep -q '"last_backup":"backup-' || fail "$store: ls"
  cp "$WORK/v1.img" "$IMG"
done
note "the keys are under <path>/backupstore/, as Longhorn puts them"
hort volumes ls --store "s3://$bucket@us-east-1/elsewhere" --json | grep -qx '\[\]' || fail "another path must be empty"
echo "PASS"
