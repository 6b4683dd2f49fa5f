#!/usr/bin/env bash
# `hort dr` (BT-DR-01) from repository credentials alone: it restores the
# latest snapshot of every host/paths group of a repository written by hort
# and of one written by restic, verifies them, and its totals match the
# data; damage makes it fail; with a catalog, critical services come first;
# a test of type dr does the same through the catalog and is recorded.
source "$(dirname "$0")/lib.sh"

gen_tree "$WORK/src1" --small >/dev/null
mkdir -p "$WORK/src2"
for i in $(seq 1 25); do echo "note $i" >"$WORK/src2/n$i.txt"; done
# totals DIR...: "files bytes" of the regular files below the directories.
totals() { find "$@" -type f -printf '%s\n' | awk '{n++; s+=$1} END {print n, s}'; }

check_drill() {  # JSON TARGET: ok, 2 groups, totals equal the sources, trees identical
  python3 - "$1" "$(totals "$WORK/src1" "$WORK/src2")" <<'PY' || fail "drill report: $(cat "$1")"
import json, sys
r = json.load(open(sys.argv[1]))
files, size = map(int, sys.argv[2].split())
assert r["ok"] and len(r["groups"]) == 2, r
assert (r["files"], r["bytes"]) == (files, size), (r["files"], r["bytes"], files, size)
assert sum(g["files"] for g in r["groups"]) == files and r["restore_seconds"] > 0
assert all(g["restored"] and g["valid"] and not g["problems"] for g in r["groups"])
PY
  treecmp "$WORK/src1" "$2/h1/$(echo "${WORK#/}/src1" | tr / _)$WORK/src1" --no-dir-mtime
  treecmp "$WORK/src2" "$2/h2/$(echo "${WORK#/}/src2" | tr / _)$WORK/src2" --no-dir-mtime
}

note "a repository written by hort: the latest snapshot of each group"
hort init -r "$WORK/hrepo" -q
echo "old" >"$WORK/src2/n1.txt"
hort -r "$WORK/hrepo" backup "$WORK/src2" --host h2 -q
echo "note 1" >"$WORK/src2/n1.txt"
hort -r "$WORK/hrepo" backup "$WORK/src1" --host h1 -q
hort -r "$WORK/hrepo" backup "$WORK/src2" --host h2 -q
hort -r "$WORK/hrepo" dr --target "$WORK/dr-hort" --json >"$WORK/dr-hort.json" || fail "dr on hort's repository"
check_drill "$WORK/dr-hort.json" "$WORK/dr-hort"

note "a repository written by restic"
restic_init "$WORK/rrepo"
restic -r "$WORK/rrepo" backup "$WORK/src1" --host h1 -q
restic -r "$WORK/rrepo" backup "$WORK/src2" --host h2 -q
hort -r "$WORK/rrepo" dr --target "$WORK/dr-restic" --json >"$WORK/dr-restic.json" || fail "dr on restic's repository"
check_drill "$WORK/dr-restic.json" "$WORK/dr-restic"
hort -r "$WORK/rrepo" dr --target "$WORK/dr-text" >"$WORK/dr.txt"
grep -q "^total  *2 groups  *$(totals "$WORK/src1" "$WORK/src2" | cut -d' ' -f1) .* ok$" "$WORK/dr.txt" || { cat "$WORK/dr.txt"; fail "text totals"; }

python3 -c 'import json,sys; assert all(g["repository"] == sys.argv[2] for g in json.load(open(sys.argv[1]))["groups"])' \
  "$WORK/dr-restic.json" "$WORK/rrepo" || fail "the groups do not name their repository"

note "a non-empty target is refused, and so is a file"
expect_rc 1 hort -r "$WORK/rrepo" dr --target "$WORK/dr-restic"
grep -q "is not empty" "$WORK/last.err" || fail "non-empty target message"
: >"$WORK/empty-file"
expect_rc 1 hort -r "$WORK/rrepo" dr --target "$WORK/empty-file"
grep -q "is not a directory" "$WORK/last.err" || fail "file target message: $(cat "$WORK/last.err")"

note "two groups whose folders would be one (hosts a/b and c/d are both unknown-host) restore side by side"
hort init -r "$WORK/crepo" -q
mkdir -p "$WORK/same"
echo one >"$WORK/same/f.txt"
hort -r "$WORK/crepo" backup "$WORK/same" --host a/b -q
echo two >"$WORK/same/f.txt"
hort -r "$WORK/crepo" backup "$WORK/same" --host c/d -q
hort -r "$WORK/crepo" dr --target "$WORK/dr-same" --json >"$WORK/dr-same.json" || { cat "$WORK/dr-same.json"; fail "dr with colliding groups"; }
python3 -c 'import json,sys; r = json.load(open(sys.argv[1])); assert r["ok"] and len(r["groups"]) == 2, r' "$WORK/dr-same.json" || fail "colliding groups"

note "with a catalog, the critical service's namespace is restored first"
cat >"$WORK/hort.yaml" <<YAML
work_dir: ./work
repositories:
  restic: {url: ./rrepo, password_env: HORT_PASSWORD}
services:
  notes: {namespace: h2, classification: critical, rpo: 1d, rto: 1h}
  tree: {namespace: h1, classification: best-effort, rpo: 7d}
tests:
  BT-DR-01: {type: dr, repositories: [restic], every: 1y, responsible: alice}
YAML
hort --config "$WORK/hort.yaml" -r "$WORK/rrepo" dr --target "$WORK/dr-ordered" --json >"$WORK/ordered.json"
python3 -c 'import json,sys; g=json.load(open(sys.argv[1]))["groups"]; assert [x["host"] for x in g] == ["h2", "h1"], g' \
  "$WORK/ordered.json" || fail "classification order"

note "the drill as a test of type dr, recorded in the protocol"
hort --config "$WORK/hort.yaml" test run BT-DR-01 --json >"$WORK/test.json" || fail "BT-DR-01 failed: $(cat "$WORK/test.json")"
python3 - "$WORK/test.json" "$(totals "$WORK/src1" "$WORK/src2")" <<'PY' || fail "BT-DR-01 report"
import json, sys
r = json.load(open(sys.argv[1])); files, size = map(int, sys.argv[2].split())
assert r["result"] == "pass" and (r["files"], r["bytes"]) == (files, size), r
assert r["rto_target_seconds"] == 0  # a drill without scope has no single RTO
PY
[ ! -e "$WORK/work/BT-DR-01-restore-test" ] || fail "scratch target left behind"
hort --config "$WORK/hort.yaml" protocol --lang en >"$WORK/protocol.txt"
grep -q "BT-DR-01  pass (restore " "$WORK/protocol.txt" || { cat "$WORK/protocol.txt"; fail "protocol"; }

note "a damaged repository fails the drill"
biggest=$(find "$WORK/rrepo/data" -type f -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2)
chmod u+w "$biggest"
python3 -c 'import os,sys; p=sys.argv[1]; f=open(p,"r+b"); f.seek(os.path.getsize(p)//2); f.write(b"\0"*64)' "$biggest"
expect_rc 5 hort -r "$WORK/rrepo" dr --target "$WORK/dr-broken"
grep -q "PROBLEMS" "$WORK/last.out" || fail "damaged drill does not say which group"
note "a damaged file whose name is not UTF-8: dr --json names it with U+FFFD (valid JSON, no crash)"
mkdir -p "$WORK/odd" && head -c 100000 /dev/urandom > "$WORK/odd/$(printf 'name-\xff')"
hort -r "$WORK/orepo" init >/dev/null
hort -r "$WORK/orepo" backup "$WORK/odd" >/dev/null
rm -f $(find "$WORK/orepo/data" -type f -size +50k)  # the data pack (the tree pack is smaller)
expect_rc 5 hort -r "$WORK/orepo" dr --target "$WORK/dr-odd" --json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert any("name-\ufffd" in p for g in r["groups"] for p in g["problems"]), r' \
  "$WORK/last.out" || { cat "$WORK/last.out" "$WORK/last.err"; fail "dr --json did not name the damaged non-UTF-8 file"; }
echo "dr drill ok"
