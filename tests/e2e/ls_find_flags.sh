#!/usr/bin/env bash
# restic's snapshot/ls/find flags (issue #23 item 3): ls SNAP DIR lists one
# level (--recursive all), ls --host/--path/--tag pick `latest`, find -l,
# --blob, --tree, --pack, --oldest, --newest, snapshots -c: as restic 0.14.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir -p d/sub/deep && echo a > d/a && echo b > d/sub/b && echo c > d/sub/deep/c && ln -s a d/link
touch -d '2020-01-01 12:00' d/sub/b
restic_init repo
restic -r repo backup -q d --host h1 --tag t1 >/dev/null
echo x > d/x
hort -r repo backup d --host h2 >/dev/null

note "ls SNAP DIR: one level, as restic; --recursive: everything below"
for args in "/d" "/d/sub" "/" "/d/sub --recursive" "/d/sub/b /d/sub"; do
  diff <(restic -r repo ls latest $args | tail -n +2) <(hort -r repo ls latest $args | tail -n +2) || fail "ls latest $args"
done
diff <(restic -r repo ls latest --json /d | tail -n +2) <(hort -r repo ls latest --json /d | tail -n +2) || fail "ls --json /d nodes"
expect_rc 1 hort -r repo ls latest d
grep -qF "All path filters must be absolute" "$WORK/last.err" || fail "relative ls path"

note "ls --host / --tag / --path choose latest as restic"
for f in "--host h1" "--tag t1" "--path $WORK/d --host h2"; do
  diff <(restic -r repo ls latest $f | tail -n +2) <(hort -r repo ls latest $f | tail -n +2) || fail "ls latest $f"
done

note "snapshots -c: no paths column, restic's table (one tag a line)"
hort -r repo tag --add z2,z1 latest >/dev/null  # two tags: two lines in -c
diff <(restic -r repo snapshots -c) <(hort -r repo snapshots -c) || fail "snapshots -c differs from restic"
diff <(restic -r repo snapshots -c --host h1 --group-by host) <(hort -r repo snapshots -c --host h1 --group-by host) ||
  fail "snapshots -c --group-by host"
hort -r repo snapshots -c | grep -q "$WORK/d" && fail "snapshots -c printed paths"
[ "$(hort -r repo snapshots -c | grep -c '^[0-9a-f]\{8\} ')" = 2 ] || fail "snapshots -c lines"

note "find -l: restic's long format"
diff <(restic -r repo find -l -s latest '*' | grep -v '^Found\|^$') <(hort -r repo find -l -s latest '*' | grep -v '^Found\|^$') ||
  fail "find -l differs"

note "find --oldest/--newest: the same matches as restic"
for f in "--newest 2021-01-01" "--oldest 2021-01-01" "-O 2019-12-31 -N 2020-01-02"; do
  diff <(restic -r repo find --json $f '*' | python3 -c 'import json,sys; print(sorted(m["path"] for s in json.load(sys.stdin) for m in s["matches"]))') \
       <(hort -r repo find --json $f '*' | python3 -c 'import json,sys; print(sorted(m["path"] for s in json.load(sys.stdin) for m in s["matches"]))') ||
    fail "find $f"
done

note "find --blob/--tree/--pack --json: restic's objects"
tree=$(restic -r repo snapshots --json latest | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["tree"])')
sub=$(restic -r repo cat blob "$tree" | python3 -c 'import json,sys; print([n for n in json.load(sys.stdin)["nodes"] if n["name"]=="d"][0]["subtree"])')
blob=$(restic -r repo cat blob "$sub" | python3 -c 'import json,sys; print([n for n in json.load(sys.stdin)["nodes"] if n["name"]=="a"][0]["content"][0])')
norm='import json,sys; print(sorted(json.dumps(o,sort_keys=True) for o in json.load(sys.stdin)))'
for f in "--tree $sub" "--blob $blob" "--blob ${blob:0:8}"; do
  diff <(restic -r repo find --json $f | python3 -c "$norm") <(hort -r repo find --json $f | python3 -c "$norm") || fail "find --json $f"
done
pack=$(restic -r repo list packs | sed -n 1p)  # sed reads all: no SIGPIPE under pipefail
diff <(restic -r repo find --json --pack "$pack" | python3 -c "$norm") <(hort -r repo find --json --pack "$pack" | python3 -c "$norm") ||
  fail "find --pack"
for f in "--blob $blob" "--tree $sub"; do
  # one snapshot: restic 0.14 walks several in the order the backend lists them
  diff <(restic -r repo find -s latest $f --show-pack-id) <(hort -r repo find -s latest $f --show-pack-id) || fail "find $f --show-pack-id"
done
hort -r repo find --blob "$blob" --show-pack-id | grep -q "^Object belongs to pack [0-9a-f]\{64\}" || fail "find --show-pack-id"

note "find's text: restic's blocks, a blank line between snapshots and none after the last"
two=($(restic -r repo snapshots --json | python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(sys.stdin)))'))
diff <(restic -r repo find -s "${two[1]}" -s "${two[0]}" '*') <(hort -r repo find -s "${two[1]}" -s "${two[0]}" '*') ||
  fail "find -s B -s A text"
echo "PASS ls_find_flags"
