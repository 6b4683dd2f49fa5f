#!/usr/bin/env bash
# A second backup reads only changed files; the --json summary proves it.
source "$(dirname "$0")/lib.sh"
gen_tree "$WORK/src" --small
hort -r "$WORK/repo" init >/dev/null
hort -r "$WORK/repo" backup --json "$WORK/src" > "$WORK/first.json"
[ "$(json_field files_unmodified < "$WORK/first.json")" = 0 ] || fail "first backup saw unmodified files"
total=$(json_field total_files_processed < "$WORK/first.json")
sleep 0.01
echo "changed" >> "$WORK/src/a/b/file05.txt"
echo "brand new" > "$WORK/src/a/new.txt"
rm "$WORK/src/a/b/file06.txt"
hort -r "$WORK/repo" backup --json "$WORK/src" > "$WORK/second.json"
new=$(json_field files_new < "$WORK/second.json")
changed=$(json_field files_changed < "$WORK/second.json")
unmodified=$(json_field files_unmodified < "$WORK/second.json")
[ "$new" = 1 ] || fail "expected 1 new file, got $new"
[ "$changed" = 1 ] || fail "expected 1 changed file, got $changed"
[ "$unmodified" = $((total - 2)) ] || fail "expected $((total - 2)) unmodified files, got $unmodified"
hort -r "$WORK/repo" backup --json "$WORK/src" > "$WORK/third.json"
[ "$(json_field data_blobs < "$WORK/third.json")" = 0 ] || fail "no-change backup added data"
[ "$(json_field dirs_unmodified < "$WORK/third.json")" != 0 ] || fail "no-change backup saw no unmodified dirs"
hort -r "$WORK/repo" restore latest --target "$WORK/out" >/dev/null
treecmp "$WORK/src" "$WORK/out$WORK/src"
restic -r "$WORK/repo" check --read-data >/dev/null
