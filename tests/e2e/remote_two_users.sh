#!/usr/bin/env bash
# One catalog, two S3 repositories on Ceph RGW owned by two different users,
# each with its own `credentials:` (environment variables named in the
# catalog; an AWS shared-credentials file). `hort serve` backs up to both.
# With a wrong secret in the file, the next runs fail for that repository
# only, with a clear error that never shows the secret.
source "$(dirname "$0")/lib.sh"
eval "$(sed 's/^/export /' "$HORT_SERVERS_DIR/env")"
# Nothing in the process environment may lend either repository its keys.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
export PRIMARY_KEY=$HORT_TEST_S3_ACCESS_KEY PRIMARY_SECRET=$HORT_TEST_S3_SECRET_KEY
mkdir -p "$WORK/src"
for i in 1 2 3; do echo "file $i" >"$WORK/src/f$i"; done
write_credentials() {
  printf '[default]\naws_access_key_id = nobody\naws_secret_access_key = nothing\n\n[offsite]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
    "$HORT_TEST_S3_ACCESS_KEY_2" "$1" >"$WORK/aws-credentials"
}
write_credentials "$HORT_TEST_S3_SECRET_KEY_2"
primary="s3:$HORT_TEST_S3_ENDPOINT/two-users-a-$$/repo"
offsite="s3:$HORT_TEST_S3_ENDPOINT/two-users-b-$$/repo"
cat >"$WORK/hort.yaml" <<YAML
repositories:
  primary:
    url: $primary
    password_env: HORT_PASSWORD
    credentials: {env: {access_key_id: PRIMARY_KEY, secret_access_key: PRIMARY_SECRET}}
  offsite:
    url: $offsite
    password_env: HORT_PASSWORD
    credentials: {file: ./aws-credentials, profile: offsite}
services:
  app:
    namespace: apps
    classification: important
    rpo: 1d
    files:
      - {name: to-primary, path: $WORK/src, schedule: "* * * * *", repository: primary}
      - {name: to-offsite, path: $WORK/src, schedule: "* * * * *", repository: offsite}
serve:
  retry: {attempts: 0, backoff: 1m}
YAML
export HORT_CONFIG="$WORK/hort.yaml"

note "each repository is created with its own user's keys"
AWS_ACCESS_KEY_ID=$HORT_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$HORT_TEST_S3_SECRET_KEY hort init -r "$primary" -q
AWS_ACCESS_KEY_ID=$HORT_TEST_S3_ACCESS_KEY_2 AWS_SECRET_ACCESS_KEY=$HORT_TEST_S3_SECRET_KEY_2 hort init -r "$offsite" -q
# The users are really apart: the first user's keys cannot read the second's bucket.
set +e
AWS_ACCESS_KEY_ID=$HORT_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$HORT_TEST_S3_SECRET_KEY hort -r "$offsite" snapshots >/dev/null 2>&1
rc=$?
set -e
[ "$rc" != 0 ] || fail "the first user read the second user's repository: the test would prove nothing"

# state of one job in `hort status --json`: "<status> <has snapshot>"
job_state() {
  hort status --json | python3 -c '
import json, sys
for j in json.load(sys.stdin)["jobs"]:
    if j["job"] == sys.argv[1]:
        print(j["status"], "yes" if j["last_snapshot"] else "no", j["last_error"])' "$1"
}
serve() {
  PORT=$(free_port)
  "$HORT" serve --listen "127.0.0.1:$PORT" 2>>"$WORK/serve.log" &
  SERVE=$!
  BG_PIDS+=($SERVE)
  wait_for 20 curl -sf "http://127.0.0.1:$PORT/healthz"
}
runs_of() { sqlite3 "$WORK/hort-state.sqlite" "SELECT count(*) FROM runs WHERE job='$1' AND result!='running'"; }
both_ran() { [ "$(runs_of app/files/to-primary)" -ge "$1" ] && [ "$(runs_of app/files/to-offsite)" -ge "$1" ]; }

note "hort serve backs up to both (at start: both jobs are known since 1970, so their slot was missed)"
hort status >/dev/null || true
sqlite3 "$WORK/hort-state.sqlite" "UPDATE jobs SET first_seen = 0"
serve
wait_for 90 both_ran 1 || { cat "$WORK/serve.log"; fail "the scheduled backups did not run"; }
kill "$SERVE"; wait "$SERVE" 2>/dev/null || true
for job in to-primary to-offsite; do
  state=$(job_state "app/files/$job")
  [[ "$state" == "OK yes"* ]] || { cat "$WORK/serve.log"; fail "$job: $state"; }
done
AWS_ACCESS_KEY_ID=$HORT_TEST_S3_ACCESS_KEY_2 AWS_SECRET_ACCESS_KEY=$HORT_TEST_S3_SECRET_KEY_2 \
  hort -r "$offsite" snapshots --json | grep -q '"hostname":"apps"' || fail "no snapshot in the offsite repository"
AWS_ACCESS_KEY_ID=$HORT_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$HORT_TEST_S3_SECRET_KEY restic -r "$primary" check >/dev/null ||
  fail "restic cannot check the primary repository"

note "a wrong secret for the offsite repository fails that repository only"
wrong=hortWrongSecret0000000000000000000000099
write_credentials "$wrong"
before=$(runs_of app/files/to-offsite)
# As if the last round ran two minutes ago: serve runs the missed slot at start.
sqlite3 "$WORK/hort-state.sqlite" "UPDATE runs SET started = started - 120, scheduled_for = scheduled_for - 120"
serve
wait_for 90 both_ran $((before + 1)) || { cat "$WORK/serve.log"; fail "the second round did not run"; }
kill "$SERVE"; wait "$SERVE" 2>/dev/null || true
state=$(job_state app/files/to-primary)
[[ "$state" == "OK yes"* ]] || fail "primary was affected by offsite's key: $state"
state=$(job_state app/files/to-offsite)
[[ "$state" == FAILED* ]] || fail "offsite with a wrong key: $state"
echo "$state" | grep -qiE "denied|signature|forbidden|403" || fail "the error does not say the key was refused: $state"
grep -q "$wrong" "$WORK/serve.log" "$WORK/hort-state.sqlite" && fail "the secret appears in the log or the state"
hort status --json | grep -q "$wrong" && fail "the secret appears in the status"
note "offsite: $state"
echo "two users ok"
