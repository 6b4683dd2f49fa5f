#!/usr/bin/env bash
# Files whose names are not IDs in keys/, snapshots/ and index/ are no part of
# the repository, as for restic 0.14 (its repository List skips names ParseID
# refuses): a copy `<id>.orig`, a `notes.txt`, an `index/<id>.bak` or README
# block no command, `check` passes without naming them, `forget` never
# removes by an ID read from such a name, and a key renamed `<id>.bak` opens
# nothing.
source "$(dirname "$0")/lib.sh"
gen_tree "$WORK/src" --small
R="$WORK/repo"
restic_init "$R"
hort -r "$R" backup "$WORK/src" >/dev/null
s=$(ls "$R/snapshots")
i=$(ls "$R/index" | head -1)
cp "$R/snapshots/$s" "$R/snapshots/$s.orig"
echo "notes" >"$R/snapshots/notes.txt"
cp "$R/index/$i" "$R/index/$i.bak"
echo "readme" >"$R/index/README"
strays() { ls "$R/snapshots/$s.orig" "$R/snapshots/notes.txt" "$R/index/$i.bak" "$R/index/README" >/dev/null; }

note "forget by a stray name: no snapshot named, nothing removed (it removed by a garbage ID)"
expect_rc 1 "$HORT" -r "$R" forget "$s.orig"
grep -q "removing damaged snapshot file" "$WORK/last.err" && fail "forget took the stray for a damaged snapshot: $(cat "$WORK/last.err")"
grep -q "Fatal: no snapshot found for \"$s.orig\"" "$WORK/last.err" || fail "forget $s.orig: $(cat "$WORK/last.err")"
expect_rc 1 "$HORT" -r "$R" forget no
grep -q "removing damaged snapshot file" "$WORK/last.err" && fail "forget took notes.txt for a damaged snapshot: $(cat "$WORK/last.err")"
[ -e "$R/snapshots/$s" ] || fail "forget removed the snapshot"
strays || fail "forget removed a stray file"

note "backup, snapshots, restore, check, repair index and prune go past them, as restic's"
expect_rc 0 "$HORT" -r "$R" backup "$WORK/src"
expect_rc 0 "$HORT" -r "$R" snapshots
[ "$(grep -c "$WORK/src" "$WORK/last.out")" = 2 ] || fail "snapshots: $(cat "$WORK/last.out")"
expect_rc 0 "$HORT" -r "$R" restore latest --target "$WORK/out"
treecmp "$WORK/src" "$WORK/out$WORK/src" --no-dir-mtime
expect_rc 0 "$HORT" -r "$R" check
grep -qi "damaged\|notes.txt\|README\|\.bak\|\.orig" "$WORK/last.out" "$WORK/last.err" &&
  fail "check named the strays: $(cat "$WORK/last.out" "$WORK/last.err")"
grep -q "no errors were found" "$WORK/last.out" || fail "check: $(cat "$WORK/last.out")"
expect_rc 0 "$HORT" -r "$R" repair index
expect_rc 0 "$HORT" -r "$R" repair index
expect_rc 0 "$HORT" -r "$R" forget --keep-last 1 --prune
expect_rc 0 "$HORT" -r "$R" check
strays || fail "a command removed a stray file"
expect_rc 0 restic -r "$R" check

note "a key renamed <id>.bak is no key: restic's 'wrong password or no key found'"
for k in "$R"/keys/*; do mv "$k" "$k.bak"; done
expect_rc 12 "$HORT" -r "$R" snapshots
grep -qx "Fatal: wrong password or no key found" "$WORK/last.err" || fail "renamed keys: $(cat "$WORK/last.err")"
expect_rc 1 restic -r "$R" snapshots
grep -q "wrong password or no key found" "$WORK/last.err" || fail "restic's message changed: $(cat "$WORK/last.err")"
for k in "$R"/keys/*.bak; do mv "$k" "${k%.bak}"; done
expect_rc 0 "$HORT" -r "$R" snapshots
echo "PASS stray_names"
