#!/usr/bin/env bash
# JSON as restic 0.14's (issue #23 item 7) on one repository: diff --json
# statistics, stats --mode files-by-contents / blobs-per-file, find --json
# nodes and forget --json reasons with counters: the same keys and values.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
gen_tree src --small
ln -s a src/link1
ln -s b src/link2
restic_init repo
restic -r repo backup -q src >/dev/null
echo changed >> src/a/b/file01.txt
touch src/a            # a metadata-only change of a directory
rm src/empty
mkdir -p src/newdir && echo new > src/newdir/f
hort -r repo backup src >/dev/null
ids=($(restic -r repo snapshots --json | python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(sys.stdin)))'))

note "diff --json: restic's statistics, key for key and value for value"
restic -r repo diff --json "${ids[0]}" "${ids[1]}" | tail -1 > r.stat
hort -r repo diff --json "${ids[0]}" "${ids[1]}" | tail -1 > h.stat
python3 - r.stat h.stat <<'PY' || fail "diff --json statistics differ from restic's"
import json,sys
r,h=(json.load(open(p)) for p in sys.argv[1:])
assert r==h, f"restic {r}\nhort   {h}"
PY
restic -r repo diff --json "${ids[0]}" "${ids[1]}" | head -n -1 | sort > r.changes
hort -r repo diff --json "${ids[0]}" "${ids[1]}" | head -n -1 | sort > h.changes
diff r.changes h.changes || fail "diff --json changes differ"

note "stats: files-by-contents and blobs-per-file as restic"
for mode in files-by-contents blobs-per-file restore-size; do
  restic -r repo stats --json --mode "$mode" > r.json
  hort -r repo stats --json --mode "$mode" > h.json
  python3 -c 'import json,sys; r,h=(json.load(open(p)) for p in sys.argv[1:]); assert r==h, (r,h)' r.json h.json ||
    fail "stats --mode $mode: restic $(cat r.json), hort $(cat h.json)"
done

note "find --json: every node field restic prints"
restic -r repo find --json -s latest '*' > r.find
hort -r repo find --json -s latest '*' > h.find
python3 - r.find h.find <<'PY' || fail "find --json differs from restic's"
import json,sys
r,h=(json.load(open(p)) for p in sys.argv[1:])
assert [list(x.keys()) for x in r]==[list(x.keys()) for x in h], (r,h)
rm=sorted((m["path"],json.dumps(m,sort_keys=True)) for x in r for m in x["matches"])
hm=sorted((m["path"],json.dumps(m,sort_keys=True)) for x in h for m in x["matches"])
assert rm==hm, "\n".join(f"{a}\n{b}" for a,b in zip(rm,hm) if a!=b)
PY

note "forget --json: reasons with restic's counters"
restic -r repo forget --json --dry-run --keep-last 1 --keep-daily 3 > r.forget
hort -r repo forget --json --dry-run --keep-last 1 --keep-daily 3 > h.forget
python3 - r.forget h.forget <<'PY' || fail "forget --json reasons differ"
import json,sys
r,h=(json.load(open(p)) for p in sys.argv[1:])
# reasons[].snapshot is the stored snapshot, without id/short_id (restic 0.14 drops the
# summary and program_version newer writers store: compare the snapshot by time and tree).
assert all("id" not in x["snapshot"] for g in r+h for x in g["reasons"]), "reasons[].snapshot has an id"
key=lambda d:[[(x["snapshot"]["time"],x["snapshot"]["tree"],x["matches"],x["counters"]) for x in g["reasons"]] for g in d]
assert key(r)==key(h), (key(r),key(h))
PY
note "snapshots --group-by: restic's group keys (null tags when untagged), tags sorted within, headers"
restic -r repo backup -q src --host other --tag b,a >/dev/null
for by in host,tags tags paths host,paths,tags; do
  restic -r repo snapshots --json --group-by "$by" > r.groups
  hort -r repo snapshots --json --group-by "$by" > h.groups
  python3 - r.groups h.groups <<'PY' || fail "snapshots --json --group-by $by differs from restic's"
import json,sys
# restic 0.14 prints the groups in Go's map order (random); hort sorts them: compare as sets.
norm=lambda d:sorted((json.dumps(g["group_key"],sort_keys=True),
                      [(s["id"],s.get("tags"),s["paths"],s["hostname"]) for s in g["snapshots"]]) for g in d)
r,h=(norm(json.load(open(p))) for p in sys.argv[1:])
assert r==h, f"restic {r}\nhort   {h}"
PY
  diff <(restic -r repo snapshots --group-by "$by" | grep '^snapshots for' | sort) \
       <(hort -r repo snapshots --group-by "$by" | grep '^snapshots for' | sort) || fail "group headers for $by"
done
echo "PASS json_like_restic"
