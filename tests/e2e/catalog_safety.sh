#!/usr/bin/env bash
# What a probe of the catalog and its state found accepted, and then losing
# or leaking data: each section one finding, refused by `config check` (or,
# for a state another process holds, never reported ok by `hort run`).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir -p data
echo hello >data/a.txt
hort init -r repo -q

catalog() {  # catalog FILE: a valid head, then stdin
  { printf 'state: %s/state.sqlite\nrepositories:\n  main: {url: repo, password_env: HORT_PASSWORD}\n' "$WORK"; cat; } >"$1"
}
refused() {  # refused FILE TEXT: config check exits 1 naming TEXT
  expect_rc 1 hort --config "$1" config check
  grep -qF -- "$2" "$WORK/last.err" || fail "$1: no \"$2\" in: $(cat "$WORK/last.err")"
}

note "one series by two spellings of a path: refused"
for other in "$WORK/data/" "/$WORK/data" "$WORK/./data"; do
  catalog series.yaml <<YAML
services:
  app:
    classification: critical
    rpo: 1d
    files:
      - {name: x, path: $WORK/data, schedule: "@daily", repository: main, keep: {last: 1}}
      - {name: y, path: "$other", schedule: "@daily", repository: main, keep: {last: 1}}
YAML
  refused series.yaml "entry \"y\" writes the snapshot series of app/files/x (host app, $WORK/data, repository main)"
done

note "two repository names for one folder, and an offsite copy between them: refused, naming both"
catalog repos.yaml <<YAML
  copy: {url: ./repo/, password_env: HORT_PASSWORD}
offsite:
  o: {from: main, to: copy, schedule: "@daily"}
YAML
refused repos.yaml "repositories.copy.url: repositories main and copy are one location ($WORK/repo/)"
grep -qF "offsite.o.to: repository copy is at the location of main" "$WORK/last.err" || fail "offsite: $(cat "$WORK/last.err")"

note "a secret where a variable's name belongs: refused without being shown"
cat >secret.yaml <<YAML
serve: {auth: {token_env: my-token-value-abcdefgh123}}
repositories:
  main: {url: repo, password_env: SuperSecretPW42}
YAML
refused secret.yaml "repositories.main.password_env: expected the upper-case name of an environment variable"
grep -qF "serve.auth.token_env: expected the upper-case name" "$WORK/last.err" || fail "token_env: $(cat "$WORK/last.err")"
! grep -qE "SuperSecretPW42|my-token-value" "$WORK/last.err" || fail "a secret was shown: $(cat "$WORK/last.err")"

note "dashboard tokens: a short one is an error, a missing file a warning (as a password_file)"
printf 'abc123\n' >short.token
catalog auth.yaml <<<"serve: {auth: {token_file: short.token}}"
refused auth.yaml "serve.auth.token_file: the token in $WORK/short.token is shorter than 16 characters"
! grep -q abc123 "$WORK/last.err" || fail "the token was shown"
catalog auth.yaml <<<"serve: {auth: {token_file: missing.token}}"
expect_rc 0 hort --config auth.yaml config check
grep -qF "warning: serve.auth.token_file: $WORK/missing.token is not a file here" "$WORK/last.err" \
  || fail "no warning: $(cat "$WORK/last.err")"

note "entry names and test IDs: refused as path components"
catalog names.yaml <<YAML
services:
  app:
    classification: critical
    rpo: 1d
    files:
      - {name: ../../x, path: $WORK/data, schedule: "@daily", repository: main}
tests:
  "..": {type: dr, every: 1y}
YAML
refused names.yaml "services.app.files[0].name: an entry name may use letters, digits, '-', '_' and '.' only"
grep -qF "tests...: a test id may not be \"..\"" "$WORK/last.err" || fail "test id: $(cat "$WORK/last.err")"

note "a state database held by another process: hort run waits for it, and never says ok unrecorded"
catalog run.yaml <<YAML
services:
  app:
    classification: critical
    rpo: 1d
    files:
      - {name: appdata, path: $WORK/data, schedule: "@daily", repository: main}
YAML
expect_rc 0 hort --config run.yaml run app/files/appdata  # creates the state
hold_state() {  # hold_state SECONDS: an exclusive transaction on the state, in the background
  python3 - "$WORK/state.sqlite" "$1" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
open(sys.argv[1] + ".held", "w").close()
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
PY
  BG_PIDS+=($!)
  disown
  wait_for 10 test -e "$WORK/state.sqlite.held"
  rm -f "$WORK/state.sqlite.held"
}
hold_state 3
expect_rc 0 hort --config run.yaml run app/files/appdata
grep -q "app/files/appdata .* ok " "$WORK/last.out" || fail "not ok after waiting: $(cat "$WORK/last.out" "$WORK/last.err")"
hold_state 30
expect_rc 1 hort --config run.yaml run app/files/appdata
grep -q "^app/files/appdata .*FAILED.*not run: its start could not be recorded (state database: .*locked" "$WORK/last.err" \
  || fail "no FAILED line: $(cat "$WORK/last.out" "$WORK/last.err")"
! grep -q " ok " "$WORK/last.out" || fail "said ok: $(cat "$WORK/last.out")"
