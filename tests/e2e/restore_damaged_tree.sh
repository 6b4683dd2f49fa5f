#!/usr/bin/env bash
# A directory whose tree cannot be read (its bytes damaged in the pack):
# restore makes the directory, names it, restores everything else and exits
# 1. restic's restore of the same repository is the oracle: the same exit
# code and the same files restored.
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/src/a" "$WORK/src/b/deeper" "$WORK/src/c"
echo one > "$WORK/src/a/one.txt"
echo two > "$WORK/src/b/two.txt"
echo three > "$WORK/src/b/deeper/three.txt"
echo four > "$WORK/src/c/four.txt"
echo top > "$WORK/src/top.txt"
restic_init "$WORK/repo"
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null

# Damages the tree of PATH in the latest snapshot ("" for the snapshot's own):
# down the snapshot's trees to it, then its pack and offset from the index.
damage_tree() {
  local where pack offset file
  where=$(python3 - "$HORT" "$WORK/repo" "$1" <<'PY'
import json, subprocess, sys
hort, repo, path = sys.argv[1:]
def cat(*what):
    return json.loads(subprocess.run([hort, "-r", repo, "cat", *what], check=True, capture_output=True, text=True).stdout)
tree = cat("snapshot", "latest")["tree"]
for name in [n for n in path.split("/") if n]:
    tree = next(n for n in cat("tree", tree)["nodes"] if n["name"] == name)["subtree"]
ids = subprocess.run([hort, "-r", repo, "list", "index"], check=True, capture_output=True, text=True).stdout.split()
for index in ids:
    for pack in cat("index", index)["packs"]:
        for blob in pack["blobs"]:
            if blob["id"] == tree:
                print(pack["id"], blob["offset"] + blob["length"] // 2)
                sys.exit(0)
sys.exit("tree " + tree + " is in no index")
PY
  ) || fail "no tree for '$1'"
  read -r pack offset <<<"$where"
  file="$WORK/repo/data/${pack:0:2}/$pack"
  chmod u+w "$file"
  printf '\xff\xff\xff\xff' | dd of="$file" bs=1 seek="$offset" conv=notrunc status=none
}
damage_tree "$WORK/src/b"

expect_rc 1 "$HORT" -r "$WORK/repo" restore latest --target "$WORK/out-hort"
grep -q "src/b" "$WORK/last.err" || fail "restore did not name the directory whose tree is damaged"
grep -q "There were 1 errors" "$WORK/last.err" || fail "restore did not count one error"
for f in a/one.txt c/four.txt top.txt; do
  cmp "$WORK/src/$f" "$WORK/out-hort$WORK/src/$f" || fail "$f not restored"
done
[ -d "$WORK/out-hort$WORK/src/b" ] || fail "the damaged tree's directory was not made"
[ -z "$(ls -A "$WORK/out-hort$WORK/src/b")" ] || fail "something was restored below the damaged tree"

expect_rc 1 restic -r "$WORK/repo" restore latest --target "$WORK/out-restic"
grep -q "src/b" "$WORK/last.err" || fail "restic did not name the directory (the oracle changed?)"
(cd "$WORK/out-hort" && find . | sort) > "$WORK/hort.list"
(cd "$WORK/out-restic" && find . | sort) > "$WORK/restic.list"
diff "$WORK/restic.list" "$WORK/hort.list" >&2 || fail "hort restored other paths than restic"

note "the snapshot's own tree damaged: named as /, nothing restored, exit 1, as restic"
# hort stopped with "Fatal: pack …: …" where restic names the tree's directory.
damage_tree ""
expect_rc 1 restic -r "$WORK/repo" --no-cache restore latest --target "$WORK/root-restic"  # the first restore cached the trees
grep -q "^ignoring error for /: " "$WORK/last.err" || fail "restic did not name / (the oracle changed?): $(cat "$WORK/last.err")"
expect_rc 1 "$HORT" -r "$WORK/repo" --no-cache restore latest --target "$WORK/root-hort"
grep -q "^ignoring error for /: " "$WORK/last.err" || fail "restore did not name /: $(cat "$WORK/last.err")"
grep -q "There were 1 errors" "$WORK/last.err" || fail "restore did not count one error: $(cat "$WORK/last.err")"
[ -z "$(ls -A "$WORK/root-hort" 2>/dev/null)" ] || fail "something was restored below the damaged top tree"
echo "ok"
