#!/usr/bin/env bash
# The same trees as restic 0.14 for each exclude option on the same data
# (issue #23 item 4): restic and hort back up the same folder into the same
# repository and their snapshots must name the same tree ID. Covers
# --exclude-caches and --exclude-if-present (the directory stays, with its
# marker alone in it), a marker with a header, two markers in one folder, a
# target that is itself a marked folder, --exclude-larger-than,
# --iexclude-file, $VAR in an exclude file, --files-from-verbatim/-raw, paths through a symlinked
# folder and a symlink named with a trailing slash, a socket (left out) and a
# symlink's xattrs (not read), and an unreadable directory (left out with an
# error and exit 3, not stored empty). Every target excluded is restic's
# "snapshot is empty", exit 1.
source "$(dirname "$0")/lib.sh"
D="$WORK/data"
mkdir -p "$D"/{plain/sub,cache/sub,badcache,nob/sub,both,tagged,Upper}
echo plain >"$D/plain/f"; echo deep >"$D/plain/sub/g"
echo c >"$D/cache/f"; echo cs >"$D/cache/sub/g"
printf 'Signature: 8a477f597d28d172789f06886806bc55\n# a cache\n' >"$D/cache/CACHEDIR.TAG"
echo bc >"$D/badcache/f"; printf 'Signature: not it at all, but long enough....\n' >"$D/badcache/CACHEDIR.TAG"
echo n >"$D/nob/f"; echo ns >"$D/nob/sub/g"; : >"$D/nob/.nobackup"
echo b >"$D/both/f"; : >"$D/both/.nobackup"
printf 'Signature: 8a477f597d28d172789f06886806bc55' >"$D/both/CACHEDIR.TAG"
echo t >"$D/tagged/f"; echo 'keep-out: yes' >"$D/tagged/tag"
head -c 5000 /dev/urandom >"$D/plain/big"; head -c 100 /dev/urandom >"$D/plain/small"
echo u >"$D/Upper/README.TXT"; echo l >"$D/Upper/notes.txt"
printf 'upper/*.TXT\n' >"$WORK/iexcl"
R="$WORK/repo"
restic_init "$R"

tree_of() { restic -r "$R" cat snapshot "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tree"])'; }
last_id() { restic -r "$R" snapshots --json latest | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])'; }

# same TARGETS_AND_FLAGS...: both tools, same arguments; the snapshots'
# trees are compared by same_trees_so_far (one restic listing for all: each
# restic start costs a key derivation).
same() {
  note "restic and hort: backup $*"
  expect_rc 0 restic -r "$R" backup --json --host h "$@"
  local rid; rid=$(json_field snapshot_id <"$WORK/last.out")
  expect_rc 0 hort -r "$R" backup --json --host h --force "$@"
  local hid; hid=$(json_field snapshot_id <"$WORK/last.out")
  printf '%s %s %s\n' "$rid" "$hid" "$*" >>"$WORK/pairs"
}
same_trees_so_far() {
  restic -r "$R" snapshots --json >"$WORK/all.json"
  python3 - "$WORK/all.json" "$WORK/pairs" <<'PY' || fail "hort's trees differ from restic's"
import json, sys
snaps = json.load(open(sys.argv[1]))
def tree(prefix):
    found = [s["tree"] for s in snaps if s["id"].startswith(prefix)]
    assert len(found) == 1, "snapshot %s: %d matches" % (prefix, len(found))
    return found[0]
bad = 0
for line in open(sys.argv[2]):
    rid, hid, args = line.rstrip("\n").split(" ", 2)
    if tree(rid) != tree(hid):
        print("tree differs for '%s': restic %s (snapshot %s), hort %s (snapshot %s)" % (args, tree(rid), rid, tree(hid), hid))
        bad += 1
print("%d option sets compared" % sum(1 for _ in open(sys.argv[2])))
sys.exit(1 if bad else 0)
PY
}
cd "$WORK"
same data --exclude-caches
same data --exclude-if-present .nobackup
same data --exclude-if-present 'tag:keep-out'
same data --exclude-if-present 'tag:other'
same data --exclude-caches --exclude-if-present .nobackup
same data/cache --exclude-caches
same data/plain data/cache --exclude-caches
same data --exclude-larger-than 1k
same data --exclude-larger-than 100b
same data --iexclude-file iexcl
same data --iexclude 'BIG'
# restic expands environment variables in exclude files (Go's os.Expand; "$$" is a '$').
# Lines are trimmed as Go's strings.TrimSpace trims them, \v and \f too.
echo c >'data/plain/co$t'
echo v >data/plain/vf
printf '$HORT_E2E_SKIP/sub\n${HORT_E2E_SKIP}x\nco$$t\n\v\fvf\f\v\n' >"$WORK/envexcl"
HORT_E2E_SKIP=plain same data --exclude-file "$WORK/envexcl"

note "what stays of a cache folder: the folder and its tag"
hort -r "$R" backup --host h --exclude-caches data >/dev/null 2>&1
hort -r "$R" ls latest >"$WORK/ls.txt"
grep -q "/data/cache/CACHEDIR.TAG" "$WORK/ls.txt" || { cat "$WORK/ls.txt" >&2; fail "the cache folder's tag is not in the snapshot"; }
grep -q "/data/cache/f" "$WORK/ls.txt" && fail "the cache folder's file was backed up"
note "a marker with the wrong signature is warned about, as restic does"
hort -r "$R" backup --host h --exclude-caches data 2>"$WORK/warn.txt" >/dev/null
grep -q "invalid signature in exclusion tagfile \"$WORK/data/badcache/CACHEDIR.TAG\"" "$WORK/warn.txt" ||
  { cat "$WORK/warn.txt" >&2; fail "no warning naming the bad CACHEDIR.TAG by its absolute path"; }

note "--files-from-verbatim and --files-from-raw name the same targets as in restic"
# Relative names: $WORK's own mtime changes with every command's output file.
printf 'data/plain\n\ndata/nob\n' >"$WORK/list"
printf 'data/plain\0data/nob\0' >"$WORK/list0"
same --files-from-verbatim "$WORK/list"
same --files-from-raw "$WORK/list0"
printf 'data/pl*\n# comment\n  data/no?  \n' >"$WORK/globs"
same --files-from "$WORK/globs"
note "a path through a symlinked folder stores the folder with the target in it; the symlink itself named, with a trailing slash too, stays a symlink"
ln -s data/plain link_p
same link_p/f
same link_p/sub/g link_p/big
same link_p/
same link_p/.
note "a socket is left out of the tree and a symlink's xattrs are not read, as restic 0.14"
mkdir -p "$D/special"
echo s >"$D/special/f"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$D/special/sock"
ln -s f "$D/special/link"
# user.* xattrs are refused on symlinks by Linux; trusted.* need CAP_SYS_ADMIN.
if setfattr -h -n trusted.hort -v x "$D/special/link" 2>/dev/null; then
  getfattr -h -n trusted.hort "$D/special/link" >/dev/null 2>&1 || fail "the symlink's xattr was not set"
else
  note "not checked here: a symlink's xattrs (setting trusted.* needs CAP_SYS_ADMIN, which this run lacks)"
fi
same data/special
same_trees_so_far
hort -r "$R" ls latest | grep -q '/data/special/sock' && fail "the socket is in hort's snapshot"

note "the only target excluded, or a socket: no snapshot, exit 1, restic's message"
# A relative target of one name is the root tree's only node; the folders
# above an absolute one stay, so restic saves those.
before=$(ls "$R/snapshots" | wc -l)
cd "$D"
for tool in restic "$HORT"; do
  expect_rc 1 "$tool" -r "$R" backup --host h plain --exclude "$D/plain"
  grep -qx 'Fatal: unable to save snapshot: snapshot is empty' "$WORK/last.err" || fail "$tool, excluded: $(cat "$WORK/last.err")"
  cd special
  expect_rc 1 "$tool" -r "$R" backup --host h sock
  grep -qx 'Fatal: unable to save snapshot: snapshot is empty' "$WORK/last.err" || fail "$tool, a socket: $(cat "$WORK/last.err")"
  cd ..
done
expect_rc 1 hort -r "$R" backup --host h --dry-run plain --exclude "$D/plain"
cd "$WORK"
[ "$(ls "$R/snapshots" | wc -l)" = "$before" ] || fail "an empty snapshot was saved"

note "an unreadable directory is left out with an error (exit 3), as restic leaves it out"
mkdir -p "$D/locked"; echo secret >"$D/locked/f"; chmod 000 "$D/locked"
chmod 755 "$WORK"; chmod -R a+rwX "$R" "$RESTIC_CACHE_DIR"; mkdir -p "$XDG_CACHE_HOME"; chmod 777 "$XDG_CACHE_HOME"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$WORK" "$@"; }
expect_rc 3 as_nobody restic -r "$R" backup --host h data
grep -q 'permission denied' "$WORK/last.err" || fail "restic did not report the locked folder"
want=$(tree_of "$(last_id)")
expect_rc 3 as_nobody "$HORT" -r "$R" backup --host h --force data
grep -qi 'permission denied' "$WORK/last.err" || { cat "$WORK/last.err" >&2; fail "hort did not report the locked folder"; }
got=$(tree_of "$(last_id)")
[ "$want" = "$got" ] || fail "unreadable folder: restic tree $want, hort tree $got"
restic -r "$R" ls latest | grep -q '/data/locked' && fail "the unreadable folder is in the snapshot"
chmod 755 "$D/locked"; rm -rf "$D/locked"

note "two paths, one missing: restic 0.14 warns, backs up the other and exits 0; hort does the same but exits 3"
expect_rc 0 restic -r "$R" backup --host h data/plain data/missing
grep -q 'data/missing does not exist, skipping' "$WORK/last.err" || fail "restic's warning changed"
want=$(tree_of "$(last_id)")
restic -r "$R" cat snapshot "$(last_id)" | python3 -c 'import json,sys; print(json.load(sys.stdin)["paths"])' >"$WORK/paths.restic"
expect_rc 3 hort -r "$R" backup --host h --force data/plain data/missing
grep -q 'data/missing does not exist, skipping' "$WORK/last.err" || { cat "$WORK/last.err" >&2; fail "hort did not warn about the missing path"; }
got=$(tree_of "$(last_id)")
[ "$want" = "$got" ] || fail "missing path: restic tree $want, hort tree $got"
restic -r "$R" cat snapshot "$(last_id)" | python3 -c 'import json,sys; print(json.load(sys.stdin)["paths"])' >"$WORK/paths.hort"
cmp -s "$WORK/paths.restic" "$WORK/paths.hort" || fail "snapshot paths differ: $(cat "$WORK/paths.restic") vs $(cat "$WORK/paths.hort")"
note "paths are recorded in the order given and ls names them all, as restic; snapshots sorts them, as restic"
restic -r "$R" backup --host order data/plain data/cache >/dev/null
hort -r "$R" backup --host order data/plain data/cache >/dev/null
restic -r "$R" snapshots --json --host order >"$WORK/order.json"
python3 - "$WORK/order.json" <<'PY' || fail "snapshots lists the paths of the two tools differently"
import json, sys
s = json.load(open(sys.argv[1]))
assert len(s) == 2 and s[0]["paths"] == s[1]["paths"] == sorted(s[0]["paths"]), s
PY
for id in $(restic -r "$R" snapshots --json --host order | python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(sys.stdin)))'); do
  restic -r "$R" cat snapshot "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["paths"])' >>"$WORK/order.cat"
  # Whole listings first: head closing the pipe early would fail the run (pipefail).
  restic -r "$R" ls "$id" >"$WORK/ls.restic"; hort -r "$R" ls "$id" >"$WORK/ls.hort"
  head -1 "$WORK/ls.restic" | sed 's/ filtered by.*//; s/^snapshot [0-9a-f]* //' >>"$WORK/order.restic-ls"
  head -1 "$WORK/ls.hort" | sed 's/ at .*//; s/^snapshot [0-9a-f]* //' >>"$WORK/order.hort-ls"
done
[ "$(sort -u "$WORK/order.cat" | wc -l)" = 1 ] || fail "recorded paths differ: $(cat "$WORK/order.cat")"
grep -q "data/plain', '.*data/cache'" "$WORK/order.cat" || fail "paths not in the order given: $(cat "$WORK/order.cat")"
cmp -s "$WORK/order.restic-ls" "$WORK/order.hort-ls" || fail "ls headers differ: $(cat "$WORK/order.restic-ls" "$WORK/order.hort-ls")"
note "an empty path or one through a missing folder is missing, not the current or parent folder, as restic"
for path in "" data/missing/.. data/missing/../plain; do
  expect_rc 1 restic -r "$R" backup --host h "$path"
  expect_rc 1 hort -r "$R" backup --host h "$path"
  grep -q 'does not exist, skipping' "$WORK/last.err" || fail "'$path': $(cat "$WORK/last.err")"
done
note "every path missing: no snapshot, exit 1, as restic"
expect_rc 1 restic -r "$R" backup --host h data/missing
expect_rc 1 hort -r "$R" backup --host h data/missing
grep -q 'all target directories/files do not exist' "$WORK/last.err" || fail "wrong message: $(cat "$WORK/last.err")"

restic -r "$R" check >/dev/null
hort -r "$R" check >/dev/null
echo "PASS restic_same_trees"
