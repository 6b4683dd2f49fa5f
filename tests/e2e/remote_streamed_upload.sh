#!/usr/bin/env bash
# Streamed uploads to Ceph RGW (#26): packs larger than s3.part-size go out
# in parts while they fill (multipart to .hort-staging/, completed, copied to
# data/), so a 1 GiB backup with 128 MiB packs holds a few parts, not whole
# packs.
# Its peak RSS is reported and must stay within a local-folder backup's of
# the same data (which streams to disk) plus the configured parts; one
# 128 MiB pack held whole would break that bound. restic checks and
# restores the result, and nothing is left staged.
source "$(dirname "$0")/lib.sh"
eval "$(sed 's/^/export /' "$HORT_SERVERS_DIR/env")"
export AWS_ACCESS_KEY_ID=$HORT_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$HORT_TEST_S3_SECRET_KEY
gen_tree "$WORK/src" --small
mkdir -p "$WORK/src/bulk"
# 1 GiB in all, as #26 asks: 16 random files of 64 MiB beside the small tree.
for i in $(seq 1 16); do head -c $((64 << 20)) /dev/urandom > "$WORK/src/bulk/r$i"; done
repo="s3:$HORT_TEST_S3_ENDPOINT/streamed-$$-$RANDOM"
parts=3 part_mib=8

note "a local folder's peak, the same data and pack size"
hort -r "$WORK/local" init >/dev/null
/usr/bin/time -f %M -o "$WORK/rss-local" "$HORT" -r "$WORK/local" backup --pack-size 128 "$WORK/src" >/dev/null ||
  fail "local backup failed"

note "S3, 128 MiB packs in $part_mib MiB parts, $parts connections"
hort -r "$repo" init >/dev/null
/usr/bin/time -f %M -o "$WORK/rss-s3" "$HORT" -r "$repo" --no-cache -o s3.part-size=$part_mib \
  -o s3.connections=$parts backup --pack-size 128 "$WORK/src" > "$WORK/backup.out" 2>&1 ||
  { cat "$WORK/backup.out" >&2; fail "S3 backup failed"; }
local_kib=$(tail -n1 "$WORK/rss-local") s3_kib=$(tail -n1 "$WORK/rss-s3")
echo "peak RSS: local folder $((local_kib / 1024)) MiB, S3 $((s3_kib / 1024)) MiB"
# Each of the $parts places holds a part and the blob that ends it (a chunk
# of at most 8 MiB); 16 MiB for the HTTP client's buffers and the rest.
rss_below $((local_kib + parts * (part_mib + 8) * 1024 + 16 * 1024)) "$WORK/rss-s3" "the S3 backup"
restic -r "$repo" list packs > "$WORK/packs" || fail "restic cannot list the packs"
big=0
while read -r pack; do
  size=$(restic -r "$repo" cat pack "$pack" 2>/dev/null | wc -c)
  [ "$size" -gt $((64 << 20)) ] && big=$((big + 1))
done < "$WORK/packs"
[ "$big" -ge 2 ] || fail "expected packs above 64 MiB (sent in parts), found $big"

note "restic checks and restores it; nothing is left staged"
restic -r "$repo" check --read-data >/dev/null || fail "restic check --read-data failed"
restic -r "$repo" restore latest --target "$WORK/out" >/dev/null || fail "restic restore failed"
treecmp "$WORK/src" "$WORK/out$WORK/src" --no-sparse
hort -r "$repo" check --json > "$WORK/check.json" || fail "hort check failed"
python3 - "$WORK/check.json" <<'PY' || fail "check lists staged uploads after a backup that finished"
import json, sys
summary = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][-1]
assert summary["temporary_files"] == [], summary["temporary_files"]
assert summary["num_errors"] == 0, summary
PY
echo "remote streamed upload: ok"
