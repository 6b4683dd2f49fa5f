#!/usr/bin/env bash
# Remote bad input: wrong keys (403), a missing bucket, an untrusted TLS
# certificate, a REST server answering 401 — one clear line each, the
# documented exit code, and no secret in the output.
source "$(dirname "$0")/lib.sh"
eval "$(sed 's/^/export /' "$HORT_SERVERS_DIR/env")"
export AWS_ACCESS_KEY_ID=$HORT_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$HORT_TEST_S3_SECRET_KEY
repo="s3:$HORT_TEST_S3_ENDPOINT/badinput-$$"
hort -r "$repo" init >/dev/null
one_line() { [ "$(wc -l < "$WORK/last.err")" = 1 ] || fail "expected one line, got: $(cat "$WORK/last.err")"; }
no_secret() { if grep -qF "$1" "$WORK/last.err" "$WORK/last.out"; then fail "a secret appeared in the output"; fi; }

note "wrong secret key → 403, exit 1"
AWS_SECRET_ACCESS_KEY=definitely-wrong-secret expect_rc 1 "$HORT" -r "$repo" snapshots
one_line; no_secret definitely-wrong-secret; grep -q "403" "$WORK/last.err" || fail "no 403 in: $(cat "$WORK/last.err")"
note "missing bucket → exit 10"
expect_rc 10 "$HORT" -r "s3:$HORT_TEST_S3_ENDPOINT/no-such-bucket-$$" snapshots
one_line
note "no credentials → exit 1 with a hint"
expect_rc 1 env -u AWS_ACCESS_KEY_ID "$HORT" -r "$repo" snapshots
grep -q "AWS_ACCESS_KEY_ID" "$WORK/last.err" || fail "no hint about the credentials"
note "TLS with an untrusted certificate → exit 1; with --cacert it works"
expect_rc 1 "$HORT" -r "s3:$HORT_TEST_S3_TLS_ENDPOINT/badinput-$$" snapshots
one_line; grep -q "cacert" "$WORK/last.err" || fail "no TLS hint: $(cat "$WORK/last.err")"
hort --cacert "$HORT_TEST_TLS_CA" -r "s3:$HORT_TEST_S3_TLS_ENDPOINT/badinput-$$" snapshots >/dev/null
AWS_CA_BUNDLE="$HORT_TEST_TLS_CA" hort -r "s3:$HORT_TEST_S3_TLS_ENDPOINT/badinput-$$" snapshots >/dev/null
note "REST with a wrong password → 401, exit 1, password not printed"
wrong=$(echo "$HORT_TEST_REST_URL" | sed 's#://\([^:]*\):[^@]*@#://\1:not-the-rest-password@#')
expect_rc 1 "$HORT" -r "rest:$wrong/r-$$" snapshots
one_line; no_secret not-the-rest-password; grep -q "401" "$WORK/last.err" || fail "no 401 in: $(cat "$WORK/last.err")"
note "wrong region on Swift (which, unlike RGW, checks it) → exit 1 naming the region"
swift_repo="s3:$HORT_TEST_SWIFT_ENDPOINT/region-$$/repo"
AWS_ACCESS_KEY_ID=$HORT_TEST_SWIFT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$HORT_TEST_SWIFT_SECRET_KEY hort -r "$swift_repo" init >/dev/null
AWS_ACCESS_KEY_ID=$HORT_TEST_SWIFT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$HORT_TEST_SWIFT_SECRET_KEY \
  expect_rc 1 "$HORT" -o s3.region=eu-central-1 -r "$swift_repo" snapshots
one_line; grep -q "region" "$WORK/last.err" || fail "no region hint: $(cat "$WORK/last.err")"
AWS_ACCESS_KEY_ID=$HORT_TEST_SWIFT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$HORT_TEST_SWIFT_SECRET_KEY \
  hort -o s3.region=us-east-1 -r "$swift_repo" snapshots >/dev/null
note "a REST repository that does not exist → exit 10"
expect_rc 10 "$HORT" -r "rest:$HORT_TEST_REST_URL/none-$$" snapshots

note "init where a repository is: restic's words, which K8up matches (\"already initialized\"), S3 and REST"
# hort said "already exists (config file found)", so K8up took every init after the first as a failure.
expect_rc 1 "$HORT" -r "$repo" init
grep -q "already initialized" "$WORK/last.err" || fail "S3 init again: $(cat "$WORK/last.err")"
expect_rc 1 restic -r "$repo" init
grep -q "already initialized" "$WORK/last.err" || fail "restic's S3 init again (the oracle changed?): $(cat "$WORK/last.err")"
rest_pass=$(echo "$HORT_TEST_REST_URL" | sed 's#^[a-z]*://[^:]*:\([^@]*\)@.*#\1#')
hort -r "rest:$HORT_TEST_REST_URL/init-$$/" init >/dev/null
expect_rc 1 "$HORT" -r "rest:$HORT_TEST_REST_URL/init-$$/" init
grep -q "already initialized" "$WORK/last.err" || fail "REST init again: $(cat "$WORK/last.err")"
no_secret "$rest_pass"

note "init names a REST location as restic does, user:***@, never its password (text and JSON)"
expect_rc 0 "$HORT" -r "rest:$HORT_TEST_REST_URL/init2-$$/" init
no_secret "$rest_pass"; grep -q ":\*\*\*@" "$WORK/last.out" || fail "init: $(cat "$WORK/last.out")"
expect_rc 0 "$HORT" --json -r "rest:$HORT_TEST_REST_URL/init3-$$/" init
no_secret "$rest_pass"; grep -q '"repository":"rest:.*:\*\*\*@' "$WORK/last.out" || fail "init --json: $(cat "$WORK/last.out")"

note "a percent-encoded REST password is decoded, as restic decodes it"
# hort sent the encoded text and got 401.
encoded=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$rest_pass" | sed 's/-/%2D/g')
[ "$encoded" != "$rest_pass" ] || fail "the test password has nothing to encode"
url=$(echo "$HORT_TEST_REST_URL" | sed "s#:$rest_pass@#:$encoded@#")
expect_rc 0 "$HORT" -r "rest:$url/init2-$$/" snapshots
expect_rc 0 restic -r "rest:$url/init2-$$/" snapshots

note "SIGINT or SIGTERM during a backup to S3 or REST: exit 130 and the lock removed, as restic"
# hort removed only a local folder's lock file: an S3 or REST lock stayed, and restic prune refused.
head -c 6000000 /dev/urandom >"$WORK/sig.bin"
for target in "$repo" "rest:$HORT_TEST_REST_URL/init2-$$/"; do
  for sig in INT TERM; do
    "$HORT" -r "$target" backup --limit-upload 1000 "$WORK/sig.bin" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do [ -n "$("$HORT" -r "$target" --no-lock list locks 2>/dev/null)" ] && break; sleep 0.1; done
    [ -n "$("$HORT" -r "$target" --no-lock list locks)" ] || fail "$target: the backup took no lock"
    kill -s "$sig" "$pid"
    rc=0; wait "$pid" || rc=$?
    [ "$rc" = 130 ] || fail "$target SIG$sig: exit $rc"
    [ -z "$("$HORT" -r "$target" --no-lock list locks)" ] || fail "$target SIG$sig: the lock stayed"
  done
done

note "-o on S3: an unknown key and a bad bucket lookup style refused as restic refuses them"
for opt in s3.foo=bar s3.bucket-lookup=bogus; do
  expect_rc 1 restic -r "$repo" -o "$opt" snapshots
  expect_rc 1 "$HORT" -r "$repo" -o "$opt" snapshots
done
grep -q 'bad bucket-lookup style "bogus"' "$WORK/last.err" || fail "-o s3.bucket-lookup=bogus: $(cat "$WORK/last.err")"

note "a server that never answered (refused port, unknown host): one line at once, as restic, not minutes of retries"
# hort retried 10 times over about three minutes before it said anything.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
for target in "s3:http://127.0.0.1:$port/none" "rest:http://127.0.0.1:$port/none/" "s3:http://no-such-host.invalid/none"; do
  start=$(date +%s)
  expect_rc 1 "$HORT" -r "$target" snapshots
  [ $(( $(date +%s) - start )) -le 10 ] || fail "$target: took $(( $(date +%s) - start )) s"
  one_line; grep -q "^Fatal: cannot reach .*no answer from it yet" "$WORK/last.err" || fail "$target: $(cat "$WORK/last.err")"
done

note "credentials from a shared credentials file (AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE), as restic reads them"
# hort asked for AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and stopped.
printf '[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n[p1]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
  "$HORT_TEST_S3_ACCESS_KEY" "$HORT_TEST_S3_SECRET_KEY" >"$WORK/aws-credentials"
for tool in restic "$HORT"; do
  expect_rc 0 env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials" \
    AWS_PROFILE=p1 "$tool" -r "$repo" snapshots
done
expect_rc 1 env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials" \
  "$HORT" -r "$repo" snapshots  # the default profile's keys are wrong: 403
no_secret "$HORT_TEST_S3_SECRET_KEY"
