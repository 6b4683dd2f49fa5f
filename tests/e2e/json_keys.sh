#!/usr/bin/env bash
# The golden key test (issue #23 item 7): every JSON message hort prints has
# exactly the keys docs/json-output.md lists in its ```keys block (optional
# ones marked `?`), and where restic 0.14 prints the same message on the same
# data, hort prints every key restic does. Every message of the block is
# checked here: a message documented but not produced fails the test too.
source "$(dirname "$0")/lib.sh"
DOC="$E2E_DIR/../../docs/json-output.md"
cd "$WORK"
: > checked
# keys NAME EXPR FILE [RESTIC_FILE]
keys() {
  if [ -n "${JSON_KEYS_DUMP:-}" ]; then
    python3 -c 'import json,sys; exec(open(sys.argv[1]).read().split("def main")[0]); print(sys.argv[2]+":", " ".join(sorted(set().union(*map(set, objects(sys.argv[3], sys.argv[4]))))))' \
      "$E2E_DIR/json_keys.py" "$@"
  else
    python3 "$E2E_DIR/json_keys.py" "$DOC" check "$@" || fail "$1: keys differ from docs/json-output.md"
  fi
  echo "$1" >> checked
}
both() {  # both FILE ARGS...: hort ARGS > h.FILE, restic ARGS > r.FILE
  local f=$1; shift
  hort -r repo "$@" > "h.$f"
  restic -r repo "$@" > "r.$f"
}

gen_tree src --small >/dev/null
ln -s a src/link

note "init, version"
hort -r repo init --json > h.init  # restic 0.14's init prints no JSON
"$HORT_FIXTURE" cheap-key repo  # restic opens it 16 times: a cheap KDF
keys init 'd' h.init
hort version --json > h.version
keys version 'd' h.version

note "backup, snapshots, ls, restore, check"
restic -r repo backup -q src --tag t1
echo more > src/new.txt
hort -r repo backup --json src > h.backup
restic -r repo backup --json src > r.backup
keys backup.summary '(x for x in lines if x["message_type"] == "summary")' h.backup r.backup
# A read error even for root: /proc/self/mem cannot be read at offset 0 (exit 3: a file was not read).
hort -r erepo init >/dev/null
set +e
hort -r erepo backup --json /proc/self/mem >/dev/null 2> h.backup-error
restic -r erepo backup --json /proc/self/mem >/dev/null 2> r.backup-error
set -e
keys backup.error '(x for x in lines if x["message_type"] == "error")' h.backup-error r.backup-error
python3 -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]; assert e and all(x["during"] == "archival" for x in e), e' \
  h.backup-error || fail "backup error: during is not restic's \"archival\""
both snapshots snapshots --json
keys snapshot 'd' h.snapshots r.snapshots
both groups snapshots --json --group-by host,paths,tags
keys snapshots.group 'd' h.groups r.groups
keys snapshots.group_key '(g["group_key"] for g in d)' h.groups r.groups
both ls ls --json latest
keys ls.snapshot 'lines[:1]' h.ls r.ls
keys ls.node 'lines[1:]' h.ls r.ls
hort -r repo restore latest -t rest --json > h.restore
keys restore.summary '(x for x in lines if x["message_type"] == "summary")' h.restore
hort -r repo check --json > h.check
keys check.summary 'd' h.check

note "diff, stats, find, forget, key list, copy, prune"
ids=($(hort -r repo snapshots --json | python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(sys.stdin)))'))
both diff diff --json "${ids[0]}" "${ids[1]}"
keys diff.change '(x for x in lines if x["message_type"] == "change")' h.diff r.diff
keys diff.statistics '(x for x in lines if x["message_type"] == "statistics")' h.diff r.diff
keys diff.counts '(x[k] for x in lines if x["message_type"] == "statistics" for k in ("added", "removed"))' h.diff r.diff
for mode in restore-size files-by-contents blobs-per-file raw-data; do
  both "stats.$mode" stats --json --mode "$mode"
done
keys stats 'd' h.stats.restore-size r.stats.restore-size
keys stats 'd' h.stats.files-by-contents r.stats.files-by-contents
keys stats.blobs 'd' h.stats.blobs-per-file r.stats.blobs-per-file
keys stats.raw-data 'd' h.stats.raw-data
both find find --json '*'
keys find.snapshot 'd' h.find r.find
keys find.node '(m for s in d for m in s["matches"])' h.find r.find
root=$(restic -r repo snapshots --json latest | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["tree"])')
tree=$(restic -r repo cat blob "$root" | python3 -c 'import json,sys; print(json.load(sys.stdin)["nodes"][0]["subtree"])')
both tree find --json --tree "$tree"
keys find.object 'd' h.tree r.tree
blob=$(restic -r repo cat blob "$tree" | python3 -c 'import json,sys; print([n for n in json.load(sys.stdin)["nodes"] if n.get("content")][0]["content"][0])')
both blob find --json --blob "$blob"
keys find.object 'd' h.blob r.blob
both forget forget --json --dry-run --keep-last 1 --keep-daily 3
keys forget.group 'd' h.forget r.forget
keys forget.reason '(x for g in d for x in g["reasons"])' h.forget r.forget
keys forget.counters '(x["counters"] for g in d for x in g["reasons"])' h.forget r.forget
both keylist key list --json
keys key 'd' h.keylist r.keylist
hort -r repo2 init >/dev/null
hort -r repo2 copy --from-repo repo --from-password-file <(echo "$HORT_PASSWORD") --json > h.copy
keys copy.summary '(x for x in lines if x["message_type"] == "summary")' h.copy
hort -r repo prune --dry-run --json > h.prune
keys prune.summary '(x for x in lines if x["message_type"] == "summary")' h.prune

note "hort's own: config check, status, test, protocol, report, dr"
cat > hort.yaml <<YAML
work_dir: ./work
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
services:
  app:
    namespace: apps
    classification: critical
    rpo: 1d
    owner: alice
    files:
      - {path: $WORK/src, schedule: "@daily", repository: main}
tests:
  BT-DR-01: {type: dr, repositories: [main], every: 1y, responsible: alice}
YAML
hort --config hort.yaml config check --json > h.config
keys config 'd' h.config
keys config.job 'd["jobs"]' h.config
keys config.test 'd["tests"]' h.config
printf 'services: {}\nbogus: 1\n' > bad.yaml
hort --config bad.yaml config check --json > h.config-invalid 2>/dev/null && fail "config check passed an invalid catalog"
keys config.invalid 'd' h.config-invalid
hort --config hort.yaml run app >/dev/null
hort --config hort.yaml status --json > h.status
keys status 'd' h.status
keys status.job 'd["jobs"]' h.status
hort --config hort.yaml test run BT-DR-01 --json > h.test
keys test.report 'd' h.test
hort --config hort.yaml test list --json > h.tests
keys test.list 'd' h.tests
hort --config hort.yaml protocol --json > h.protocol
keys protocol 'd' h.protocol
hort --config hort.yaml report --json > h.report
keys report 'd' h.report
keys report.service 'd["services"]' h.report
keys report.test 'd["tests"]' h.report
hort -r repo dr --target dr --json > h.dr
keys dr 'd' h.dr
keys dr.group 'd["groups"]' h.dr

[ -n "${JSON_KEYS_DUMP:-}" ] || python3 "$E2E_DIR/json_keys.py" "$DOC" all-checked checked || fail "a documented message is not checked"
echo "PASS json_keys"
