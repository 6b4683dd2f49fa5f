#!/usr/bin/env bash
# An unchanged cluster costs nothing but snapshot records: the homelab's
# namespace productivity (tests/kube/homelab, built with kubectl on the test
# API server) is backed up 30 times with `hort resources backup`, as 30 daily
# runs would. Each backup is the restic snapshot /resources/productivity.tar;
# the tar's bytes are the same every time, and so, with the archiver's stable
# stdin metadata, are its file node and trees.
#
# What is measured (issue 20: "30 daily backups of an unchanged cluster add
# less than 1 % of one backup's size to the repository"):
#   counted  - the pack files under repo/data: every data blob (the tar's
#              chunks) and every tree blob (the root tree, the tree of
#              /resources) the backups stored, with pack headers;
#   counted  - the index files under repo/index (printed and asserted too);
#   excluded - the snapshot files under repo/snapshots: one small encrypted
#              JSON object per backup, as restic writes for every backup
#              whatever it stores; their sizes are printed for the record.
# growth = size after backup 30 - size after backup 1, which must be less
# than 1 % of the first backup's tar (`restic dump ... | wc -c`).
source "$(dirname "$0")/lib.sh"
HOMELAB=$E2E_DIR/../kube/homelab
start_kube
cd "$WORK"

apply_homelab crd productivity backupplan

hort init -r repo >/dev/null
bytes_under() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }
files_under() { find "$1" -type f | wc -l; }

note "backup 1"
hort -r repo resources backup -n productivity --json >backup-1.json
one_line backup-1.json
packs1=$(bytes_under repo/data)
index1=$(bytes_under repo/index)
snaps1=$(bytes_under repo/snapshots)
restic -r repo dump latest /resources/productivity.tar >first.tar
tar_size=$(wc -c <first.tar)
[ "$tar_size" -gt 10000 ] || fail "the first backup's tar is only $tar_size bytes"
restic -r repo stats --mode raw-data --json >stats-1.json

for i in $(seq 2 30); do
  hort -r repo resources backup -n productivity --json >"backup-$i.json"
  one_line "backup-$i.json"
done
note "backups 2 to 30 done"
packs30=$(bytes_under repo/data)
index30=$(bytes_under repo/index)
snaps30=$(bytes_under repo/snapshots)
restic -r repo stats --mode raw-data --json >stats-30.json

pack_growth=$((packs30 - packs1))
index_growth=$((index30 - index1))
limit=$((tar_size / 100))  # 1 % of one backup
echo "first backup's tar:                $tar_size bytes (1 % = $limit bytes)"
echo "pack files (data + tree blobs):    after 1: $packs1 → after 30: $packs30 ($(files_under repo/data) files), growth $pack_growth bytes"
echo "index files:                       after 1: $index1 → after 30: $index30, growth $index_growth bytes"
echo "snapshot files (excluded):         after 1: $snaps1 → after 30: $snaps30 ($(files_under repo/snapshots) files)"
python3 - stats-1.json stats-30.json backup-*.json <<'PY'
import json, sys
s1, s30 = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print("restic stats raw-data after 1:  blobs %d, %d bytes stored" % (s1["total_blob_count"], s1["total_size"]))
print("restic stats raw-data after 30: blobs %d, %d bytes stored" % (s30["total_blob_count"], s30["total_size"]))
assert s30["total_blob_count"] == s1["total_blob_count"], "backups 2-30 added blobs"
added = {}
for f in sys.argv[3:]:
    b = json.loads(open(f).read())
    assert b["errors"] == 0 and b["items"] > 10, b
    added[int(f.split("-")[1].split(".")[0])] = b["data_added"]
later = sum(v for k, v in added.items() if k > 1)
print("hort data_added: backup 1 %d bytes, backups 2-30 %d bytes in all" % (added[1], later))
assert later == 0, added
PY
[ "$pack_growth" -lt "$limit" ] || fail "packs grew by $pack_growth bytes over 29 unchanged backups (limit $limit)"
[ $((pack_growth + index_growth)) -lt "$limit" ] || fail "packs and index grew by $((pack_growth + index_growth)) bytes (limit $limit)"

note "restic sees 30 snapshots of /resources/productivity.tar, the first and the last the same bytes"
restic -r repo snapshots --json >snaps.json
python3 - snaps.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert len(s) == 30, len(s)
assert all(x["paths"] == ["/resources/productivity.tar"] for x in s), [x["paths"] for x in s]
assert all(x["hostname"] == "productivity" and x["tags"] == ["resources"] for x in s)
assert len({x["tree"] for x in s}) == 1, "the trees differ: %s" % sorted({x["tree"] for x in s})
print("30 snapshots, one tree", s[0]["tree"][:8])
PY
first=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s[0]["id"])' snaps.json)
last=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s[-1]["id"])' snaps.json)
restic -r repo dump "$first" /resources/productivity.tar >dump-first.tar
restic -r repo dump "$last" /resources/productivity.tar >dump-last.tar
cmp first.tar dump-first.tar || fail "restic dumps the first snapshot differently"
cmp dump-first.tar dump-last.tar || fail "the 30th backup's tar differs from the first's"
restic -r repo ls --long "$last" >ls.txt
grep -q -- "-rw------- .* /resources/productivity.tar" ls.txt || { cat ls.txt >&2; fail "the tar is not 0600"; }
grep -q -- "drwx------ .* /resources$" ls.txt || { cat ls.txt >&2; fail "/resources is not 0700"; }
restic -r repo check --read-data >/dev/null || fail "restic check --read-data failed"

note "a restore from the 30th snapshot still works"
kubectl delete -f "$HOMELAB/backupplan.yaml" >/dev/null
kubectl delete namespace productivity >/dev/null
kubectl delete pv pv-paperless-data >/dev/null
expect_rc 0 hort -r repo resources restore "$last"
kubectl get deployment paperless -n productivity >/dev/null || fail "the Deployment was not restored"
echo "resources dedup: ok"
