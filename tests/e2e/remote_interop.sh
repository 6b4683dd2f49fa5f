#!/usr/bin/env bash
# On Ceph RGW (S3) and on `rclone serve restic` (REST): restic writes → hort
# checks and restores exactly; hort writes → restic checks and restores exactly.
source "$(dirname "$0")/lib.sh"
eval "$(sed 's/^/export /' "$HORT_SERVERS_DIR/env")"
export AWS_ACCESS_KEY_ID=$HORT_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$HORT_TEST_S3_SECRET_KEY
gen_tree "$WORK/src" --small
run_id=$$-$RANDOM
for kind in s3 rest; do
  if [ $kind = s3 ]; then base="s3:$HORT_TEST_S3_ENDPOINT/interop-$run_id"; else base="rest:$HORT_TEST_REST_URL/interop-$run_id"; fi
  note "$kind: restic writes, hort reads"
  restic -r "$base/by-restic" init >/dev/null
  restic -r "$base/by-restic" backup "$WORK/src" >/dev/null
  hort -r "$base/by-restic" check --read-data >/dev/null
  rm -rf "$WORK/out"
  hort -r "$base/by-restic" restore latest --target "$WORK/out" --verify >/dev/null
  treecmp "$WORK/src" "$WORK/out$WORK/src"
  note "$kind: hort writes, restic reads"
  hort -r "$base/by-hort" init >/dev/null
  hort -r "$base/by-hort" backup "$WORK/src" >/dev/null
  restic -r "$base/by-hort" check --read-data >/dev/null
  rm -rf "$WORK/out"
  restic -r "$base/by-hort" restore latest --target "$WORK/out" >/dev/null
  treecmp "$WORK/src" "$WORK/out$WORK/src" --no-sparse
  note "$kind: both tools in one repository"
  restic -r "$base/by-hort" backup --force --json "$WORK/src" > "$WORK/r.json"
  [ "$(json_field data_blobs < "$WORK/r.json")" = 0 ] || fail "restic re-uploaded data into hort's $kind repository"
  hort -r "$base/by-hort" forget --keep-last 1 --prune >/dev/null
  restic -r "$base/by-hort" check --read-data >/dev/null
done
