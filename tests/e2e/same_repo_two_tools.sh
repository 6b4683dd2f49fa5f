#!/usr/bin/env bash
# restic and hort back up the same tree into one repository: identical root
# tree ID, and the second tool adds no data blobs.
source "$(dirname "$0")/lib.sh"
# Relative paths: intermediate directories (like /tmp) change between the two
# backups when other tests run, and their metadata is part of the root tree.
mkdir -p "$WORK/data" && cd "$WORK/data"
gen_tree src
restic_init "$WORK/repo"
restic -r "$WORK/repo" backup src >/dev/null
restic_tree=$(restic -r "$WORK/repo" snapshots --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["tree"])')
# --force: read every file again instead of trusting restic's snapshot as parent.
hort -r "$WORK/repo" backup --force --json src > "$WORK/hort.json"
added=$(json_field data_blobs < "$WORK/hort.json")
[ "$added" = 0 ] || fail "hort added $added data blobs to restic's repository"
hort_tree=$(hort -r "$WORK/repo" snapshots --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["tree"])')
[ "$restic_tree" = "$hort_tree" ] || fail "root trees differ: restic $restic_tree, hort $hort_tree"
note "root tree $hort_tree identical"
note "and the other way round: hort first, restic second"
hort -r "$WORK/repo2" init >/dev/null
hort -r "$WORK/repo2" backup src >/dev/null
restic -r "$WORK/repo2" backup --force --json src > "$WORK/restic.json"
added=$(json_field data_blobs < "$WORK/restic.json")
[ "$added" = 0 ] || fail "restic added $added data blobs to hort's repository"
trees=$(restic -r "$WORK/repo2" snapshots --json | python3 -c 'import json,sys; print(len({s["tree"] for s in json.load(sys.stdin)}))')
[ "$trees" = 1 ] || fail "hort and restic snapshots have different root trees"
restic -r "$WORK/repo2" check --read-data >/dev/null
note "init --copy-chunker-params: a second repository that deduplicates like the first"
hort -r "$WORK/repo3" init --copy-chunker-params --from-repo "$WORK/repo" --from-password-command "echo e2e-password" >/dev/null
pol1=$(hort -r "$WORK/repo" cat config | python3 -c 'import json,sys; print(json.load(sys.stdin)["chunker_polynomial"])')
pol3=$(hort -r "$WORK/repo3" cat config | python3 -c 'import json,sys; print(json.load(sys.stdin)["chunker_polynomial"])')
[ "$pol1" = "$pol3" ] || fail "chunker polynomial not copied ($pol1 vs $pol3)"
