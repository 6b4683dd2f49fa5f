#!/usr/bin/env bash
# Snapshot arguments (issue #23 item 1): `latest` and ID prefixes work in every
# command that takes snapshots, unknown and ambiguous IDs are warned about in
# restic 0.14's words, and a command given a snapshot that does not exist exits
# 1 (restic exits 0: the documented deviation, docs/cli.md "Snapshot arguments").
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir -p d/sub && echo a > d/a && echo b > d/sub/b
restic_init repo
restic -r repo backup -q d --host h1 --tag t1 >/dev/null
echo c > d/c
hort -r repo backup d --host h2 >/dev/null
# Enough snapshots that two share a first hex digit (17 > 16): an ambiguous prefix.
for i in $(seq 1 15); do echo "$i" | hort -r repo backup --stdin --stdin-filename n.txt --host h3 >/dev/null; done
ids() { python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(sys.stdin)))'; }
newest=$(restic -r repo snapshots --json latest | ids)
[ -n "$newest" ] || fail "restic found no latest snapshot"

note "snapshots latest / --host: the same single snapshot as restic"
[ "$(hort -r repo snapshots --json latest | ids)" = "$newest" ] || fail "snapshots latest is not restic's latest"
[ "$(hort -r repo snapshots --json latest --host h1 | ids)" = "$(restic -r repo snapshots --json latest --host h1 | ids)" ] ||
  fail "snapshots latest --host h1 differs from restic"
short=${newest:0:8}
[ "$(hort -r repo snapshots --json "$short" | ids)" = "$newest" ] || fail "snapshots with an 8-digit prefix"

note "unknown ID: restic's warning word for word, hort exits 1 and names the ID"
restic -r repo snapshots deadbeef >/dev/null 2>restic.err
expect_rc 1 hort -r repo snapshots deadbeef
grep -qxF "$(grep Ignoring restic.err)" "$WORK/last.err" || fail "warning differs from restic's: $(cat "$WORK/last.err")"
grep -q 'Fatal: no snapshot found for "deadbeef"' "$WORK/last.err" || fail "no Fatal line naming deadbeef"

note "ambiguous prefix: restic's sentence, then the candidates"
amb=$(hort -r repo snapshots --json | python3 -c '
import json,sys,collections
c=collections.Counter(s["id"][0] for s in json.load(sys.stdin)); print([k for k,v in c.items() if v>1][0])')
restic -r repo snapshots "$amb" >/dev/null 2>restic.err
expect_rc 1 hort -r repo snapshots "$amb"
want=$(grep Ignoring restic.err)
grep -qF "$want:" "$WORK/last.err" || fail "ambiguous: want '$want' + candidates, got $(cat "$WORK/last.err")"
[ "$(grep -o "\b$amb[0-9a-f]\{63\}\b" "$WORK/last.err" | wc -l)" -ge 2 ] || fail "ambiguous: candidates not listed"

note "tag: --add x deadbeef exits 1 naming it; --set X latest tags exactly the latest"
expect_rc 1 hort -r repo tag --add x deadbeef
grep -q '"deadbeef"' "$WORK/last.err" || fail "tag did not name deadbeef"
hort -r repo tag --set X latest >/dev/null
newest=$(restic -r repo snapshots --json latest | ids)
n=$(restic -r repo snapshots --json --tag X | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" = 1 ] || fail "tag --set X latest changed $n snapshots"
[ "$(restic -r repo snapshots --json --tag X | ids)" = "$newest" ] || fail "tag --set X latest tagged another snapshot"

note "find -s latest / -s PREFIX: the same matches as restic"
for s in latest "${newest:0:6}"; do
  restic -r repo find -s "$s" --json '*' | python3 -c 'import json,sys; print(sorted(m["path"] for s in json.load(sys.stdin) for m in s["matches"]))' > r.find
  hort -r repo find -s "$s" --json '*' | python3 -c 'import json,sys; print(sorted(m["path"] for s in json.load(sys.stdin) for m in s["matches"]))' > h.find
  [ "$(cat h.find)" != "[]" ] || fail "find -s $s found nothing"
  diff r.find h.find || fail "find -s $s differs from restic"
done
expect_rc 1 hort -r repo find -s deadbeef '*'

note "ls latest --host h1 / stats latest / dump latest --host h1: as restic"
diff <(restic -r repo ls latest --host h1 | tail -n +2) <(hort -r repo ls latest --host h1 | tail -n +2) || fail "ls latest --host h1"
expect_rc 1 hort -r repo ls deadbeef
grep -qF 'Ignoring "deadbeef": no matching ID found for prefix "deadbeef"' "$WORK/last.err" || fail "ls deadbeef warning"
[ "$(hort -r repo stats --json latest --host h1 | json_field total_size)" = "$(restic -r repo stats --json latest --host h1 | json_field total_size)" ] ||
  fail "stats latest --host h1 differs"
[ "$(hort -r repo dump latest /d/a --host h1)" = a ] || fail "dump latest --host h1"

note "single-snapshot commands: restic's Fatal text, exit 1"
restic -r repo diff deadbeef latest >/dev/null 2>restic.err || true
expect_rc 1 hort -r repo diff deadbeef latest
diff restic.err "$WORK/last.err" || fail "diff deadbeef: message differs from restic"
expect_rc 1 hort -r repo cat snapshot deadbeef
grep -qF 'Fatal: could not find snapshot: no matching ID found for prefix "deadbeef"' "$WORK/last.err" || fail "cat snapshot deadbeef"
expect_rc 1 hort -r repo dump deadbeef /d/a
grep -qF 'no matching ID found for prefix "deadbeef"' "$WORK/last.err" || fail "dump deadbeef"

note "latest and prefixes in diff, cat snapshot, restore (restic 0.14's diff and cat take IDs only)"
all_ids=($(hort -r repo snapshots --json | ids))
prev=${all_ids[-2]}
[ "${all_ids[-1]}" = "$newest" ] || fail "hort's newest is not restic's latest"
diff <(hort -r repo diff "${prev:0:8}" latest) <(hort -r repo diff "$prev" "$newest") || fail "diff PREFIX latest"
[ "$(hort -r repo cat snapshot latest | python3 -c 'import json,sys; print(json.load(sys.stdin)["tree"])')" = \
  "$(restic -r repo snapshots --json latest | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["tree"])')" ] ||
  fail "cat snapshot latest"
hort -r repo restore latest --host h1 -t r1 >/dev/null
[ "$(cat r1/d/a)" = a ] || fail "restore latest --host h1"
hort -r repo restore "${newest:0:8}" -t r2 >/dev/null
[ "$(cat r2/n.txt)" = "$(restic -r repo dump latest n.txt)" ] || fail "restore PREFIX"
amb=$(printf '%s\n' "${all_ids[@]}" | cut -c1 | sort | uniq -d | head -1)
for cmd in "restore $amb -t r3" "dump $amb /d/a" "stats $amb"; do
  expect_rc 1 hort -r repo $cmd
  grep -qF "multiple IDs with prefix \"$amb\" found" "$WORK/last.err" || fail "$cmd: not restic's sentence"
  [ "$(grep -o "\b$amb[0-9a-f]\{63\}\b" "$WORK/last.err" | wc -l)" -ge 2 ] || fail "$cmd: candidates not listed"
done
expect_rc 1 hort -r repo stats deadbeef
grep -qF 'Ignoring "deadbeef": no matching ID found for prefix "deadbeef"' "$WORK/last.err" || fail "stats deadbeef warning"

note "copy --from-repo … latest copies exactly one snapshot; copy … deadbeef exits 1"
restic_init repo2
hort -r repo2 copy --from-repo repo --from-password-file <(echo "$HORT_PASSWORD") latest >/dev/null
[ "$(restic -r repo2 snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] ||
  fail "copy latest did not copy exactly one snapshot"
expect_rc 1 hort -r repo2 copy --from-repo repo --from-password-file <(echo "$HORT_PASSWORD") deadbeef
grep -q '"deadbeef"' "$WORK/last.err" || fail "copy deadbeef did not name it"
restic -r repo2 check >/dev/null || fail "restic check of the copy"

note "forget: a prefix removes exactly that snapshot; deadbeef exits 1"
before=$(restic -r repo snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_rc 1 hort -r repo forget "${newest:0:8}" deadbeef
after=$(restic -r repo snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$after" = $((before - 1)) ] || fail "forget removed $((before - after)) snapshots, want 1"
restic -r repo snapshots --json | ids | grep -q "$newest" && fail "forget kept the named snapshot"
restic -r repo check >/dev/null || fail "restic check after forget"
echo "PASS snapshot_args"
