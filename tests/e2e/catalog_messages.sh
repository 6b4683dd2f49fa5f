#!/usr/bin/env bash
# What the catalog commands say (issue #23 item 9): `config check` warns about
# an entry whose schedule runs less often than its service's RPO allows (it
# can never be OK) and still exits 0; a failed dump names the catalog's
# command (not /bin/sh) and keeps the end of its stderr in the run's error,
# which `hort status` (text and --json) shows; no snapshot is written. A
# catalog with several errors lists them in the file's order.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir -p "$WORK/data"
hort init -r repo -q
cat >hort.yaml <<YAML
state: $WORK/state.sqlite
repositories:
  main: {url: $WORK/repo, password_env: HORT_PASSWORD}
defaults: {repository: main}
services:
  app:
    namespace: apps
    classification: critical
    rpo: 1h
    files:
      - {path: $WORK/data, schedule: "@daily", name: data}
      - name: db
        dump: {command: "echo starting; echo 'pg_dump: error: connection to server failed' >&2; exit 3", container: postgres, extension: .sql}
        schedule: "@hourly"
YAML

note "config check: the daily entry can never meet a 1h RPO; the hourly one can"
expect_rc 0 hort config check --config hort.yaml
grep -q '^warning: app/files/data: its schedule "@daily" runs every 1d, longer than the service'"'"'s rpo 1h, so it can never be OK$' "$WORK/last.err" \
  || fail "no RPO warning: $(cat "$WORK/last.err")"
! grep -q "app/files/db" "$WORK/last.err" || fail "the hourly entry was warned about"
hort config check --config hort.yaml --json 2>/dev/null | python3 -c '
import json, sys
w = json.load(sys.stdin)["warnings"]
assert len(w) == 1 and w[0].startswith("app/files/data: "), w'

note "config check: a weekday schedule is LATE over each weekend under a 1d RPO; an offsite copy's rpo is checked too"
cat >gaps.yaml <<YAML
state: $WORK/state.sqlite
repositories:
  main: {url: $WORK/repo, password_env: HORT_PASSWORD}
  far: {url: $WORK/far, password_env: HORT_PASSWORD}
defaults: {repository: main}
services:
  app:
    classification: critical
    rpo: 1d
    files:
      - {path: $WORK/data, schedule: "0 2 * * 1-5", name: weekdays}
      - {path: $WORK/data/x, schedule: "0 0 31 * *", name: monthly}
offsite:
  nightly: {from: main, to: far, schedule: "@daily", rpo: 1h}
YAML
expect_rc 0 env TZ=UTC "$HORT" config check --config gaps.yaml
grep -q '^warning: app/files/weekdays: its schedule "0 2 \* \* 1-5" leaves gaps of up to 3d between runs, longer than the service'"'"'s rpo 1d, so it is LATE at times (first after the run at [0-9-]* 02:00)$' \
  "$WORK/last.err" || fail "no weekend warning: $(cat "$WORK/last.err")"
grep -q '^warning: app/files/monthly: its schedule "0 0 31 \* \*" runs every [0-9]*d (gaps of up to 61d), longer than the service'"'"'s rpo 1d, so it can never be OK$' \
  "$WORK/last.err" || fail "no gap figure for the 31st: $(cat "$WORK/last.err")"
grep -q '^warning: offsite/nightly: its schedule "@daily" runs every 1d, longer than its rpo 1h, so it can never be OK$' "$WORK/last.err" \
  || fail "no offsite warning: $(cat "$WORK/last.err")"

note "config check with several errors: each on a line of its own in the file's order, then one Fatal line counting them"
cat >bad.yaml <<'YAML'
repositories:
  main:
    url: /tmp/nowhere
    password_fil: /tmp/p
services:
  - name: a
YAML
expect_rc 1 hort config check --config bad.yaml
python3 - "$WORK/last.err" bad.yaml <<'PY' || fail "several errors: $(cat "$WORK/last.err")"
import sys
lines, path = open(sys.argv[1]).read().splitlines(), sys.argv[2]
assert len(lines) == 4, lines
assert lines[0].startswith(path + ":3:5: repositories.main: needs one password source"), lines
assert lines[1].startswith(path + ":4:5: repositories.main.password_fil: unknown key"), lines
assert lines[2].startswith(path + ":6:3: services: "), lines
assert lines[3] == "Fatal: " + path + ": 3 errors (above)", lines
PY

note "config check --json on an invalid catalog: valid false and the same errors on stdout, exit 1"
expect_rc 1 hort config check --config bad.yaml --json
python3 - "$WORK/last.out" "$WORK/last.err" <<'PY' || fail "--json, invalid: $(cat "$WORK/last.out") / $(cat "$WORK/last.err")"
import json, sys
d = json.load(open(sys.argv[1]))
err = open(sys.argv[2]).read().splitlines()
assert d["valid"] is False, d
assert d["errors"] == err[:3], (d, err)
assert err[3].startswith("Fatal: "), err
PY
expect_rc 1 hort config check --config missing.yaml --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["valid"] is False and len(d["errors"]) == 1, d' "$WORK/last.out" \
  || fail "--json, missing file: $(cat "$WORK/last.out")"

note "a failed dump: the command and its stderr in the error, no snapshot"
expect_rc 1 hort run app/files/db --config hort.yaml
want="dump command \"echo starting; echo 'pg_dump: error: connection to server failed' >&2; exit 3\" failed with exit status 3; no snapshot written: pg_dump: error: connection to server failed"
grep -qF "$want" "$WORK/last.out" "$WORK/last.err" || fail "run's message: $(cat "$WORK/last.out" "$WORK/last.err")"
! grep -q "/bin/sh" "$WORK/last.out" "$WORK/last.err" || fail "the message names /bin/sh"
hort status --config hort.yaml --json >status.json || true
python3 - "$want" <<'PY'
import json, sys
jobs = {j["job"]: j for j in json.load(open("status.json"))["jobs"]}
assert jobs["app/files/db"]["last_error"] == sys.argv[1], jobs["app/files/db"]
assert jobs["app/files/db"]["status"] == "FAILED", jobs["app/files/db"]
PY
[ "$(restic -r repo snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] || fail "a snapshot was written"

note "the same dump succeeding stores only stdout"
sed -i "s/exit 3/exit 0/" hort.yaml
expect_rc 0 hort run app/files/db --config hort.yaml
[ "$(restic -r repo dump latest /apps-postgres.sql)" = starting ] || fail "the dump's content"
echo "catalog messages ok"
