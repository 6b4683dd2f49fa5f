#!/usr/bin/env bash
# --stdin and --stdin-from-command: a dump becomes a file; a failing command
# means a failed backup and no snapshot.
source "$(dirname "$0")/lib.sh"
hort -r "$WORK/repo" init >/dev/null
head -c 3000000 /dev/urandom > "$WORK/dump.sql"
hort -r "$WORK/repo" backup --stdin --stdin-filename ns-db.sql < "$WORK/dump.sql" >/dev/null
hort -r "$WORK/repo" backup --host media --stdin-from-command --stdin-filename media-postgres.sql -- cat "$WORK/dump.sql" >/dev/null
hort -r "$WORK/repo" snapshots --json > "$WORK/snaps.json"
python3 - "$WORK/snaps.json" <<'PY'
import json, sys
snaps = json.load(open(sys.argv[1]))
assert [s["paths"] for s in snaps] == [["/ns-db.sql"], ["/media-postgres.sql"]], snaps
assert snaps[1]["hostname"] == "media", snaps[1]
PY
hort -r "$WORK/repo" restore latest --target "$WORK/out" >/dev/null
cmp "$WORK/dump.sql" "$WORK/out/media-postgres.sql" || fail "stdin-from-command content differs"
restic -r "$WORK/repo" restore latest --target "$WORK/out2" >/dev/null
cmp "$WORK/dump.sql" "$WORK/out2/media-postgres.sql" || fail "restic restores different content"
note "empty input: exit 1 and no snapshot, as restic (a dump that wrote nothing is no backup)"
expect_rc 1 restic -r "$WORK/repo" backup --stdin < /dev/null
expect_rc 1 "$HORT" -r "$WORK/repo" backup --stdin < /dev/null
grep -q "no data read" "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
expect_rc 1 "$HORT" -r "$WORK/repo" backup --stdin-from-command -- true
[ "$(ls "$WORK/repo/snapshots" | wc -l)" = 2 ] || fail "a snapshot was written for empty input"

note "--stdin-filename is cleaned as restic cleans it: same paths and trees"
for name in /abs/x.sql a/../b ./c d/ ../e f//g; do
  restic -r "$WORK/repo" backup --host clean --stdin --stdin-filename "$name" <"$WORK/dump.sql" >/dev/null
  "$HORT" -r "$WORK/repo" backup --host clean --stdin --stdin-filename "$name" <"$WORK/dump.sql" >/dev/null 2>"$WORK/last.err" ||
    fail "--stdin-filename '$name' refused: $(cat "$WORK/last.err" 2>/dev/null)"
done
restic -r "$WORK/repo" snapshots --json --host clean >"$WORK/clean.json"
python3 - "$WORK/clean.json" <<'PY' || fail "hort and restic store different paths for a --stdin-filename"
import json, sys
snaps = sorted(json.load(open(sys.argv[1])), key=lambda s: s["time"])
pairs = [(snaps[i], snaps[i + 1]) for i in range(0, len(snaps), 2)]
assert len(pairs) == 6, len(snaps)
for r, h in pairs:
    assert r["paths"] == h["paths"], (r["paths"], h["paths"])
assert [r["paths"][0] for r, _ in pairs] == ["/abs/x.sql", "/b", "/c", "/d", "/e", "/f/g"], pairs
PY
expect_rc 1 "$HORT" -r "$WORK/repo" backup --stdin --stdin-filename a/.. <"$WORK/dump.sql"
grep -q 'stdin file name "a/.." names no file' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
snapshots_before_failures=$(ls "$WORK/repo/snapshots" | wc -l)

note "--stdin with a list or a path: restic's words, exit 1, nothing read"
echo "$WORK/dump.sql" >"$WORK/list"
for extra in "--files-from $WORK/list" "--files-from-verbatim $WORK/list" "--files-from-raw $WORK/list" "$WORK/dump.sql"; do
  # shellcheck disable=SC2086  # the flags are split on purpose
  expect_rc 1 restic -r "$WORK/repo" backup --stdin $extra </dev/null
  want=$(grep '^Fatal: ' "$WORK/last.err")
  # shellcheck disable=SC2086
  expect_rc 1 "$HORT" -r "$WORK/repo" backup --stdin $extra </dev/null
  [ "$(cat "$WORK/last.err")" = "$want" ] || fail "--stdin $extra: restic says '$want', hort '$(cat "$WORK/last.err")'"
done
expect_rc 1 "$HORT" -r "$WORK/repo" backup --stdin-from-command --files-from "$WORK/list" -- cat "$WORK/dump.sql"
grep -q -- '--stdin-from-command and --files-from cannot be used together' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
[ "$(ls "$WORK/repo/snapshots" | wc -l)" = "$snapshots_before_failures" ] || fail "a refused --stdin wrote a snapshot"

note "a failing command: non-zero exit, no snapshot"
expect_rc 1 "$HORT" -r "$WORK/repo" backup --stdin-from-command -- sh -c 'echo partial; exit 3'
grep -q "exit status 3" "$WORK/last.err" || fail "the command's failure was not reported"
[ "$(ls "$WORK/repo/snapshots" | wc -l)" = "$snapshots_before_failures" ] || fail "a snapshot was written for a failed command"
restic -r "$WORK/repo" check --read-data >/dev/null
