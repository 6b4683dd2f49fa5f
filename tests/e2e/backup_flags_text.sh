#!/usr/bin/env bash
# restic's backup flags and text beside restic 0.14 (issue #23 items 3 and 8):
# --ignore-ctime/--ignore-inode decide what is read again as in restic,
# --time sets the snapshot time, -vv prints restic's per-item lines and
# "using parent snapshot" comes before them; restore's progress counts files.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir -p v/sub; echo hello >v/a; echo x >v/sub/b; ln -s a v/l
RR="$WORK/rrepo"; HR="$WORK/hrepo"
restic_init "$RR"; hort -r "$HR" init >/dev/null

# items TOOL REPO ARGS...: the "verb path" of each -vv line, sorted.
items() { local t=$1 r=$2; shift 2; "$t" -r "$r" backup -vv "$@" v | awk '$1 ~ /^(new|modified|unchanged)$/ {sub(",$", "", $2); print $1, $2}' | sort; }
note "-vv lines on the first run"
items restic "$RR" >r1.txt; items "$HORT" "$HR" >h1.txt
diff r1.txt h1.txt || fail "-vv lines differ on the first run"
grep -q '^new /v/sub/$' h1.txt || fail "no line for the new directory"
"$HORT" -r "$HR" backup -vv v >h.txt
grep -Eq '^unchanged /v/a$' h.txt || { cat h.txt >&2; fail "no 'unchanged' line"; }
[ "$(grep -n 'using parent snapshot' h.txt | cut -d: -f1)" = 1 ] || { cat h.txt >&2; fail "'using parent snapshot' is not the first line"; }
echo changed >v/a
items restic "$RR" >r2.txt; items "$HORT" "$HR" >h2.txt
diff r2.txt h2.txt || fail "-vv lines differ after a change"
"$HORT" -r "$HR" backup --force -vv v | grep -Eq '^new       /v/a, saved in [0-9]+\.[0-9]{3}s \(0 B added\)$' \
  || fail "a new file line is not restic's"

note "-vv directory lines: restic's (N added, N stored, N metadata), metadata being the tree's bytes in the pack"
# hort printed no "stored" and the tree's raw JSON length as metadata (restic: its compressed size and header entry).
mkdir -p vv/d; seq 1 300 >vv/d/f
rr2="$WORK/rrepo-vv" hr2="$WORK/hrepo-vv"; restic_init "$rr2"; hort -r "$hr2" init >/dev/null
meta() { "$1" -r "$2" backup -vv vv | sed -n 's|^new       /vv/d/, saved in [0-9.]*s (0 B added, 0 B stored, \([0-9]*\) B metadata)$|\1|p'; }
rm_=$(meta restic "$rr2"); hm=$(meta "$HORT" "$hr2")
[ -n "$rm_" ] && [ -n "$hm" ] || fail "-vv directory line: restic '$rm_', hort '$hm'"
# The same tree (same ID), compressed by two zstd implementations: a few bytes apart.
[ $(( hm > rm_ ? hm - rm_ : rm_ - hm )) -le $(( rm_ / 5 )) ] || fail "-vv metadata: restic $rm_ B, hort $hm B"

# counts TOOL REPO ARGS...: files_new files_changed files_unmodified of the run's JSON summary.
counts() { local t=$1 r=$2; shift 2; "$t" -r "$r" --json backup "$@" v | python3 -c '
import json,sys; d=[json.loads(l) for l in sys.stdin if "\"summary\"" in l][-1]; print(d["files_new"], d["files_changed"], d["files_unmodified"])'; }
note "--ignore-ctime: a chmod back and forth changes ctime only"
restic -r "$RR" backup v >/dev/null; hort -r "$HR" backup v >/dev/null
chmod 600 v/a; chmod 644 v/a
# restic 0.14: --ignore-inode leaves ctime out too (FUSE mounts change both).
for flags in "" "--ignore-ctime" "--ignore-inode"; do
  r=$(counts restic "$RR" $flags); h=$(counts "$HORT" "$HR" $flags)
  [ "$r" = "$h" ] || fail "ctime change with '$flags': restic $r, hort $h"
  chmod 600 v/a; chmod 644 v/a
done
note "--ignore-inode: the file replaced by a copy (same mtime, new inode)"
restic -r "$RR" backup v >/dev/null; hort -r "$HR" backup v >/dev/null
for flags in "" "--ignore-inode" "--ignore-inode --ignore-ctime"; do
  cp -p v/sub/b v/sub/b.new && mv v/sub/b.new v/sub/b
  r=$(counts restic "$RR" $flags); h=$(counts "$HORT" "$HR" $flags)
  [ "$r" = "$h" ] || fail "inode change with '$flags': restic $r, hort $h"
done
note "--time"
restic -r "$RR" backup --time "2012-11-01 22:08:41" v >/dev/null
hort -r "$HR" backup --time "2012-11-01 22:08:41" v >/dev/null
# The oldest snapshot: "latest" is by time, and these are from 2012.
oldest() { restic -r "$1" snapshots --json | python3 -c 'import json,sys; print(min(s["time"] for s in json.load(sys.stdin)))'; }
rt=$(oldest "$RR"); ht=$(oldest "$HR")
[ "${rt%%.*}" = "${ht%%.*}" ] && [ "${rt: -6}" = "${ht: -6}" ] || fail "--time: restic $rt, hort $ht"
expect_rc 1 hort -r "$HR" backup --time "yesterday" v
grep -q '^Fatal: ' "$WORK/last.err" || fail "a bad --time is not one Fatal line"
expect_rc 1 hort -r "$HR" backup --exclude-larger-than 1x v
expect_rc 1 hort -r "$HR" backup --exclude-if-present ':hdr' v

note "--dry-run: \"Would add N (M stored)\" is what the backup then adds, compressed as restic's is"
# The stored figure was 0 B: a dry run compressed nothing.
mkdir -p dry; seq 1 200000 >dry/text; head -c 300000 /dev/urandom >dry/random
added() { sed -n 's/^\(Would add\|Added\) to the repository: \(.*\)$/\2/p'; }
dry=$(hort -r "$HR" backup --dry-run dry | added)
real=$(hort -r "$HR" backup dry | added)
[ -n "$dry" ] && [ "$dry" = "$real" ] || fail "--dry-run said '$dry', the backup added '$real'"
rdry=$(restic -r "$RR" backup --dry-run dry | added)
python3 - "$dry" "$rdry" <<'PY'
import re, sys
def stored(s):  # "1.234 MiB (567.890 KiB stored)" -> bytes stored
    n, unit = re.search(r"\(([\d.]+) (B|KiB|MiB)\s*stored\)", s).groups()
    return float(n) * {"B": 1, "KiB": 1024, "MiB": 1 << 20}[unit]
h, r = stored(sys.argv[1]), stored(sys.argv[2])
# Each repository cuts chunks with its own polynomial, and two zstd implementations (restic's
# Go one, libzstd) compress them: close, not equal.
assert abs(h - r) <= 0.15 * r, "hort %s, restic %s" % (sys.argv[1], sys.argv[2])
PY

note "the summary's last lines are restic's: sizes at least 5 wide (\"0 B  \"), the time as m:ss"
# hort printed "0 B (0 B stored)" and "in 0.01s". A backup with nothing new adds 0 B (or a few hundred bytes
# when /tmp changed in between); the width rule holds for any size.
hort -r "$HR" backup dry >summary.txt
restic -r "$RR" backup dry >rsummary.txt
for f in summary.txt rsummary.txt; do
  python3 - "$f" <<'PY' || fail "$f: $(tail -3 "$f")"
import re, sys
text = open(sys.argv[1]).read()
added = re.search(r"^Added to the repository: (.+) \((.+) stored\)$", text, re.M).groups()
for size in added:
    assert len(size) >= 5 and (len(size) == 5 or not size.endswith(" ")), added
assert re.search(r"^processed 2 files, [\d.]+ [KM]iB in 0:0\d$", text, re.M), text
PY
done

note "restore progress counts files (--json status lines)"
mkdir -p many; for i in $(seq 1 300); do head -c 20000 /dev/urandom >many/f$i; done
hort -r "$HR" backup many >/dev/null
hort -r "$HR" --json restore latest --target out >restore.json
python3 - restore.json <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
summary = [l for l in lines if l.get("message_type") == "summary"][-1]
assert summary["files_restored"] == summary["total_files"] == 300, summary
PY
echo "PASS backup_flags_text"
