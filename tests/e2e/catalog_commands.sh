#!/usr/bin/env bash
# The catalog commands end to end: config check (and bad configs refused with
# file:line, the daemon refusing to start), run with K8up's identity (restic
# sees host = namespace, path = /data/<pvc> and the dump as
# /<ns>-<container><ext>), a volumes entry on an image into a Longhorn-format
# store, guard tagging, status exit codes, metrics textfile.
source "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/mnt/app-data/sub"
echo one >"$WORK/mnt/app-data/a.txt"
echo two >"$WORK/mnt/app-data/sub/b.txt"
truncate -s 16M "$WORK/wiki.img"
head -c 3M /dev/urandom | dd of="$WORK/wiki.img" bs=1M seek=4 conv=notrunc status=none
cat >"$WORK/hort.yaml" <<YAML
timezone: Europe/Berlin
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
volume_stores:
  nas: {url: ./store}
services:
  app:
    namespace: apps
    classification: critical
    rpo: 1d
    owner: alice
    files:
      - {pvc: app-data, source: ./mnt/app-data, schedule: "@daily-random", repository: main, keep: {last: 2}}
      - name: db
        dump: {command: "printf 'CREATE TABLE t;'", container: postgres, extension: .sql}
        schedule: "0 */6 * * *"
        repository: main
  wiki:
    classification: best-effort
    rpo: 7d
    files:
      - {path: $WORK/mnt/app-data/sub, schedule: "@weekly", repository: main}
    volumes:
      - {image: $WORK/wiki.img, name: wiki-data, schedule: "@hourly", store: nas, keep: {last: 2}, verify: true}
YAML
hort init -r "$WORK/repo" -q

note "config check lists the jobs, the volumes one among them"
hort --config "$WORK/hort.yaml" config check >"$WORK/check.out"
grep -q "valid: 1 repositories, 2 services, 4 jobs" "$WORK/check.out" || fail "$(cat "$WORK/check.out")"
grep -q "wiki/volumes/wiki-data" "$WORK/check.out" || fail "no volumes job: $(cat "$WORK/check.out")"
HORT_CONFIG="$WORK/hort.yaml" hort config check --json | python3 -c 'import json,sys; assert json.load(sys.stdin)["valid"]'

note "status before any run: NEVER, exit 4 (a critical service has no backup)"
expect_rc 4 hort --config "$WORK/hort.yaml" status
grep -q "NEVER" "$WORK/last.out" || fail "no NEVER in status"

note "run a whole service; restic sees K8up's identity"
hort --config "$WORK/hort.yaml" run app
restic -r "$WORK/repo" snapshots --json >"$WORK/snaps.json"
python3 - "$WORK/snaps.json" <<'PY'
import json, sys
snaps = json.load(open(sys.argv[1]))
paths = sorted(tuple(s["paths"]) for s in snaps)
assert paths == [("/apps-postgres.sql",), ("/data/app-data",)], paths
assert all(s["hostname"] == "apps" for s in snaps), snaps
PY
[ "$(restic -r "$WORK/repo" dump latest --path /apps-postgres.sql /apps-postgres.sql)" = "CREATE TABLE t;" ] || fail "dump content"
restic -r "$WORK/repo" restore latest --host apps --path /data/app-data --target "$WORK/r1" -q
diff -r "$WORK/mnt/app-data" "$WORK/r1/data/app-data" || fail "restic restore of the PVC snapshot differs"
expect_rc 0 hort --config "$WORK/hort.yaml" status
hort --config "$WORK/hort.yaml" status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
st = {j["job"]: j["status"] for j in d["jobs"]}
assert st == {"app/files/app-data": "OK", "app/files/db": "OK", "wiki/files/sub": "NEVER", "wiki/volumes/wiki-data": "NEVER"}, st
assert d["critical_problem"] is False'

note "the volumes entry: three runs of a changing image, two backups kept, each verified; the last restores to the image"
for i in 1 2 3; do
  head -c 64K /dev/urandom | dd of="$WORK/wiki.img" bs=64K seek=$((i * 8)) conv=notrunc status=none
  hort --config "$WORK/hort.yaml" -v run wiki/volumes/wiki-data >"$WORK/vol$i.out" 2>&1 || fail "volumes run $i: $(cat "$WORK/vol$i.out")"
done
grep -q "verify: .* blocks read, every one matches its name" "$WORK/vol3.out" || fail "no verify line: $(cat "$WORK/vol3.out")"
grep -q "incremental backup" "$WORK/vol3.out" || fail "third run not incremental: $(cat "$WORK/vol3.out")"
grep -Eq "block cache: used \([1-9][0-9]* blocks named from it\)" "$WORK/vol3.out" || fail "the job did not use the block cache: $(cat "$WORK/vol3.out")"
hort volumes ls --store "$WORK/store" --volume wiki-data --json >"$WORK/vols.json"
python3 - "$WORK/vols.json" <<'PY'
import json, sys
vols = json.load(open(sys.argv[1]))
backups = vols[0]["backups"]
assert len(backups) == 2, backups
PY
hort volumes verify --store "$WORK/store" --read-data >/dev/null || fail "verify of the store"
hort volumes restore --store "$WORK/store" --volume wiki-data --to "$WORK/wiki-restored.img" -q
cmp "$WORK/wiki.img" "$WORK/wiki-restored.img" || fail "the restored image differs"
hort --config "$WORK/hort.yaml" status --json | python3 -c '
import json, sys
st = {j["job"]: j["status"] for j in json.load(sys.stdin)["jobs"]}
assert st["wiki/volumes/wiki-data"] == "OK", st'

note "retention keeps the last 2 of the PVC series only, and its prune leaves the other series' packs alone"
# Retention loaded the index a second time, every blob then counted twice, and its prune repacked every
# pack of the repository (and said it freed twice the repository's size).
find "$WORK/repo/data" -type f | sort >"$WORK/packs.before"
hort --config "$WORK/hort.yaml" run app/files/app-data -q
hort --config "$WORK/hort.yaml" -v run app/files/app-data >"$WORK/retention.out" 2>&1
[ -n "$(find "$WORK/repo/data" -type f | sort | comm -12 "$WORK/packs.before" -)" ] ||
  fail "retention's prune rewrote every pack: $(cat "$WORK/retention.out")"
freed=$(sed -n 's/.*prune freed \([0-9]*\) bytes.*/\1/p' "$WORK/retention.out")
[ -n "$freed" ] && [ "$freed" -lt "$(du -sb "$WORK/repo/data" | cut -f1)" ] || fail "prune freed '$freed': $(cat "$WORK/retention.out")"
[ "$(restic -r "$WORK/repo" snapshots --json --path /data/app-data | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ] || fail "retention"
restic -r "$WORK/repo" check -q >/dev/null || fail "restic check after retention"

note "guard tags every backup of the chosen service and skips retention"
hort --config "$WORK/hort.yaml" guard pre-upgrade --service app
[ "$(restic -r "$WORK/repo" snapshots --json --tag pre-upgrade | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ] || fail "guard tags"
[ "$(restic -r "$WORK/repo" snapshots --json --path /data/app-data | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 3 ] || fail "guard ran retention"
expect_rc 1 hort --config "$WORK/hort.yaml" guard upgrade
grep -q "pre-<topic>" "$WORK/last.err" || fail "guard topic check"

note "a failing part makes guard fail loudly and status exit 4"
mv "$WORK/mnt/app-data" "$WORK/mnt/gone"
expect_rc 1 hort --config "$WORK/hort.yaml" guard pre-upgrade --service app
grep -q "FAILED" "$WORK/last.err" && grep -q "do not proceed" "$WORK/last.err" || fail "guard failure not loud: $(cat "$WORK/last.err")"
expect_rc 4 hort --config "$WORK/hort.yaml" status
grep -q "FAILED" "$WORK/last.out" || fail "status does not show FAILED"
mv "$WORK/mnt/gone" "$WORK/mnt/app-data"

note "metrics textfile"
hort --config "$WORK/hort.yaml" metrics --textfile "$WORK/hort.prom"
grep -q '^hort_backup_last_status{service="app",namespace="apps",layer="files",entry="app-data",repository="main",classification="critical"} 0$' "$WORK/hort.prom" || fail "textfile"
promtool check metrics <"$WORK/hort.prom"
grep -q '^hort_volume_backups{store="nas",volume="wiki-data",service="wiki",entry="wiki-data",classification="best-effort"} 2$' "$WORK/hort.prom" || fail "volume metrics"
grep -q '^hort_volume_verify_last_status{store="nas",volume="wiki-data",.*} 1$' "$WORK/hort.prom" || fail "volume verify metric"
grep -q '^hort_backup_last_status{service="wiki",namespace="wiki",layer="volumes",entry="wiki-data",repository="nas",classification="best-effort"} 1$' "$WORK/hort.prom" || fail "volumes backup row"

note "bad configs: one clear line with file:line, the daemon refuses to start"
bad() {  # bad EXPECTED-TEXT: the catalog on stdin must be refused with that message
  cat >"$WORK/bad.yaml"
  expect_rc 1 hort --config "$WORK/bad.yaml" config check
  grep -q "$WORK/bad.yaml:[0-9]*:[0-9]*: .*$1" "$WORK/last.err" || fail "expected '$1' in: $(cat "$WORK/last.err")"
  expect_rc 1 hort --config "$WORK/bad.yaml" serve --listen 127.0.0.1:0
  grep -q "refusing to start" "$WORK/last.err" || fail "serve started on a bad config"
}
printf 'repositories:\n  main: {url: ./r, password_env: X}\nservices:\n  a:\n    classification: critical\n    rpo: 1d\n    colour: red\n' | bad "services.a.colour: unknown key"
printf 'repositories:\n  main: {url: ./r, password_env: X}\nservices:\n  a:\n    classification: critical\n    rpo: 1 day\n' | bad "services.a.rpo: invalid duration"
printf 'repositories:\n  main: {url: ./r, password_env: X}\nservices:\n  a:\n    classification: critical\n    rpo: 1d\n    files:\n      - {path: /x, schedule: "0 25 * * *", repository: main}\n' | bad "hour 25 out of range"
printf 'repositories:\n  main: {url: ./r, password_env: X}\nservices:\n  a:\n    classification: critical\n    rpo: 1d\n    files:\n      - {path: /x, schedule: "@daily", repository: nas}\n' | bad 'no repository named "nas"'
printf 'repositories:\n  main: {url: ./r, password_env: X}\n  main: {url: ./s, password_env: X}\n' | bad "repositories.main: duplicate name"
printf 'serve: {listen: "127.0.0.1:99999"}\nrepositories:\n  main: {url: ./r, password_env: X}\n' | bad "serve.listen: port 99999 out of range 0-65535"
printf 'repositories:\n  main: {url: ./r, password_env: X}\nservices:\n  a:\n    classification: critical\n    rpo: 1d\n    files:\n      - {path: /x, schedule: "0 0 30 2 *", repository: main}\n' | bad "it never runs: none of the months has that day of the month"
expect_rc 1 hort --config "$WORK/missing.yaml" config check
grep -q "missing.yaml: cannot read the catalog file: No such file or directory" "$WORK/last.err" \
  || fail "missing catalog message: $(cat "$WORK/last.err")"
mkdir -p "$WORK/catalog-dir"
for cmd in "config check" status "guard pre-x"; do  # a folder given as the catalog: one line, not an abort
  expect_rc 1 hort --config "$WORK/catalog-dir" $cmd
  grep -q "catalog-dir: cannot read the catalog file: it is a directory" "$WORK/last.err" || fail "$cmd: $(cat "$WORK/last.err")"
  [ "$(wc -l < "$WORK/last.err")" = 1 ] || fail "$cmd: more than one line: $(cat "$WORK/last.err")"
done
note "hooks: a failing pre hook means no backup, and the post hooks still run (HORT_RESULT=failed)"
# A post hook that scales the application up again ran only when every pre hook had succeeded.
mkdir -p "$WORK/hooked"; echo x >"$WORK/hooked/f"
cat >"$WORK/hooks.yaml" <<YAML
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
services:
  h:
    classification: best-effort
    rpo: 7d
    files:
      - name: prefail
        path: $WORK/hooked
        schedule: "@daily"
        repository: main
        hooks: {pre: ["echo scaled-down >>hooks.log", "exit 7"], post: ["echo post-\$HORT_RESULT >>hooks.log"]}
      - name: slow
        path: $WORK/hooked/f
        schedule: "@daily"
        repository: main
        hooks: {pre: ["touch slow.started; sleep 3"]}
YAML
before=$(restic -r "$WORK/repo" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
(cd "$WORK" && expect_rc 1 hort --config "$WORK/hooks.yaml" run h/files/prefail)
grep -q 'pre hook "exit 7" failed with exit code 7' "$WORK/last.out" "$WORK/last.err" || fail "pre hook failure: $(cat "$WORK/last.out" "$WORK/last.err")"
[ "$(cat "$WORK/hooks.log")" = "$(printf 'scaled-down\npost-failed')" ] || fail "hooks ran: $(cat "$WORK/hooks.log")"
[ "$(restic -r "$WORK/repo" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = "$before" ] ||
  fail "a failed pre hook still made a backup"
# hort run files the run's lines in the state, as serve does (the dashboard's run page showed none).
sqlite3 "$WORK/hort-state.sqlite" "SELECT line FROM run_log JOIN runs ON runs.id = run_log.run WHERE runs.job = 'h/files/prefail'" \
  | grep -q "pre hook ok: echo scaled-down" || fail "hort run filed no log lines"

note "a job another hort process runs now is not started a second time"
(cd "$WORK" && hort --config "$WORK/hooks.yaml" run h/files/slow >"$WORK/slow.out" 2>&1) &
first=$!
wait_for 30 test -e "$WORK/slow.started"
(cd "$WORK" && expect_rc 1 hort --config "$WORK/hooks.yaml" run h/files/slow)
grep -q "h/files/slow .*FAILED.*h/files/slow runs now in hort pid [0-9]* (since " "$WORK/last.err" || { cat "$WORK/last.err"; fail "second run's line"; }
wait $first || { cat "$WORK/slow.out"; fail "the first run failed"; }
[ "$(sqlite3 "$WORK/hort-state.sqlite" "SELECT count(*) FROM runs WHERE job = 'h/files/slow'")" = 1 ] || fail "the refused run was recorded"

note "an offsite copy's figures of its target are read after its own lock is gone: no lock counted, none aging into HortStaleLock"
hort init -r "$WORK/far" -q
cat >"$WORK/copy.yaml" <<YAML
state: $WORK/copy-state.sqlite
repositories:
  main: {url: $WORK/repo, password_env: HORT_PASSWORD}
  far: {url: $WORK/far, password_env: HORT_PASSWORD}
offsite:
  nightly: {from: main, to: far, schedule: "@daily"}
YAML
hort --config "$WORK/copy.yaml" run offsite/nightly >/dev/null
[ -z "$(ls "$WORK/far/locks")" ] || fail "the copy left a lock"
hort --config "$WORK/copy.yaml" metrics >"$WORK/copy.prom"
grep -q '^hort_repository_locks{repository="far",[^}]*} 0$' "$WORK/copy.prom" || { grep far "$WORK/copy.prom"; fail "a lock counted for far"; }
grep -q '^hort_repository_oldest_lock_age_seconds{repository="far",[^}]*} 0$' "$WORK/copy.prom" || fail "a lock age for far"

echo "catalog commands ok"
