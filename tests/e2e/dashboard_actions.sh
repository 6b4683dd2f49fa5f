#!/usr/bin/env bash
# The dashboard's actions behind serve.auth: a bearer token (file) and an
# htpasswd user (bcrypt). Without credentials the data is 401 (the page and
# /healthz stay open); a POST without the CSRF token from /api/v1/session,
# with a wrong one or from another origin is 403; with it the entry runs
# (trigger "manual") and the restore test runs (protocol row "manual"); every
# decision after authentication is in the state's actions table with who.
# /protocol serves the protocol as `hort protocol --markdown`. Without
# serve.auth reading is open and actions are 403; a missing token file stops
# serve with a one-line error that shows no secret.
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/src"
echo hello >"$WORK/src/a.txt"
TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$TOKEN" >"$WORK/token"
HASH=$(/usr/bin/python3 -W ignore -c "import crypt; print(crypt.crypt('alice-pw', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))")
printf 'alice:%s\n' "$HASH" >"$WORK/htpasswd"
catalog() {  # catalog FILE AUTH-YAML
  cat >"$1" <<YAML
state: $WORK/state-$(basename "$1" .yaml).sqlite
serve: {$2}
repositories:
  main: {url: $WORK/repo, password_env: HORT_PASSWORD}
services:
  app:
    namespace: apps
    classification: critical
    rpo: 1d
    files:
      - {name: data, path: $WORK/src, schedule: "@yearly", repository: main}
tests:
  T-FILES:
    type: files
    scope: app
    every: 3mo
    responsible: ops
YAML
}
catalog "$WORK/auth.yaml" "auth: {token_file: $WORK/token, htpasswd: $WORK/htpasswd}"
# start_serve CATALOG: serve on a free port in the background, its URL in SURL, its log in CATALOG.log.
start_serve() {
  local port; port=$(free_port)
  HORT_CONFIG="$1" "$HORT" serve --listen "127.0.0.1:$port" 2>"$1.log" &
  BG_PIDS+=($!)
  SURL="http://127.0.0.1:$port"
  wait_for 20 curl -sf "$SURL/healthz"
}
"$HORT" init -r "$WORK/repo" -q
start_serve "$WORK/auth.yaml"
URL=$SURL
code() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
BEARER=(-H "Authorization: Bearer $TOKEN")

note "without credentials: the page opens, the data does not"
[ "$(code "$URL/")" = 200 ] || fail "the page itself needs no credentials"
[ "$(code "$URL/assets/app.js")" = 200 ] || fail "assets need no credentials"
for p in /api/v1/overview /api/v1/session /status /metrics /protocol /table; do
  [ "$(code -D "$WORK/h" "$URL$p")" = 401 ] || fail "$p without credentials: $(cat "$WORK/body")"
done
grep -qi '^www-authenticate: Basic realm="hort"' "$WORK/h" || fail "no Basic challenge: $(cat "$WORK/h")"
[ "$(code -H "Authorization: Bearer wrong-token-0123456789" "$URL/api/v1/overview")" = 401 ] || fail "a wrong token reads"
[ "$(code -u alice:wrong "$URL/api/v1/overview")" = 401 ] || fail "a wrong password reads"
[ "$(code "${BEARER[@]}" "$URL/api/v1/overview")" = 200 ] || fail "the token does not read"
[ "$(code -u alice:alice-pw "$URL/api/v1/overview")" = 200 ] || fail "alice does not read"
[ "$(code "$URL/healthz")" = 200 ] || fail "/healthz needs no credentials"

note "the session gives a CSRF token; POSTs need credentials, the token and this origin"
CSRF=$(curl -sf "${BEARER[@]}" "$URL/api/v1/session" | python3 -c 'import json,sys; s=json.load(sys.stdin); assert s["user"]=="token" and s["actions"]; print(s["csrf"])')
ALICE_CSRF=$(curl -sf -u alice:alice-pw "$URL/api/v1/session" | python3 -c 'import json,sys; s=json.load(sys.stdin); assert s["user"]=="alice"; print(s["csrf"])')
[ "$CSRF" != "$ALICE_CSRF" ] || fail "one CSRF token for two users"
run='{"job": "app/files/data"}'
[ "$(code -X POST -d "$run" "$URL/api/v1/actions/run")" = 401 ] || fail "POST without credentials: $(cat "$WORK/body")"
[ "$(code -X POST -d "$run" -H "X-CSRF-Token: $CSRF" -H "Authorization: Bearer nope-nope-nope-nope" "$URL/api/v1/actions/run")" = 401 ] ||
  fail "POST with a wrong token"
[ "$(code -X POST -d "$run" "${BEARER[@]}" "$URL/api/v1/actions/run")" = 403 ] || fail "POST without CSRF: $(cat "$WORK/body")"
grep -q "CSRF" "$WORK/body" || fail "the refusal names the CSRF token: $(cat "$WORK/body")"
[ "$(code -X POST -d "$run" "${BEARER[@]}" -H "X-CSRF-Token: $ALICE_CSRF" "$URL/api/v1/actions/run")" = 403 ] ||
  fail "POST with another user's CSRF token"
[ "$(code -X POST -d "$run" "${BEARER[@]}" -H "X-CSRF-Token: $CSRF" -H "Origin: http://evil.example" "$URL/api/v1/actions/run")" = 403 ] ||
  fail "a cross-origin POST"
[ "$(sqlite3 "$WORK/state-auth.sqlite" "SELECT count(*) FROM runs")" = 0 ] || fail "a refused action ran something"

note "with the token: the entry runs now, the restore test runs now"
[ "$(code -X POST -d "$run" "${BEARER[@]}" -H "X-CSRF-Token: $CSRF" -H "Origin: $URL" "$URL/api/v1/actions/run")" = 202 ] ||
  fail "run action: $(cat "$WORK/body")"
ran() { [ "$(sqlite3 "$WORK/state-auth.sqlite" "SELECT result FROM runs WHERE job='app/files/data' AND trigger='manual'")" = success ]; }
wait_for 30 ran || { cat "$WORK/auth.yaml.log"; fail "the queued run did not run"; }
[ "$(code -X POST -d '{"job": "app/files/nope"}' -u alice:alice-pw -H "X-CSRF-Token: $ALICE_CSRF" "$URL/api/v1/actions/run")" = 404 ] ||
  fail "an unknown job: $(cat "$WORK/body")"
[ "$(code -X POST -d '{"test": "T-FILES"}' -u alice:alice-pw -H "X-CSRF-Token: $ALICE_CSRF" "$URL/api/v1/actions/test")" = 202 ] ||
  fail "test action: $(cat "$WORK/body")"
tested() { [ "$(sqlite3 "$WORK/state-auth.sqlite" "SELECT result FROM restore_tests WHERE test='T-FILES' AND trigger='manual'")" = success ]; }
wait_for 30 tested

note "every decision is in the state with who and when"
sqlite3 -separator ' ' "$WORK/state-auth.sqlite" "SELECT who, action, target, result FROM actions ORDER BY id" >"$WORK/actions"
cat >"$WORK/expected" <<TXT
token run app/files/data refused
token run app/files/data refused
token run app/files/data accepted
alice run app/files/nope refused
alice test T-FILES accepted
TXT
diff "$WORK/expected" "$WORK/actions" || fail "actions table"
[ "$(sqlite3 "$WORK/state-auth.sqlite" "SELECT count(*) FROM actions WHERE time > strftime('%s','now') - 120")" = 5 ] || fail "action times"
curl -sf "${BEARER[@]}" "$URL/api/v1/actions" | python3 -c '
import json, sys
a = json.load(sys.stdin)["actions"]
assert [x["who"] for x in a] == ["alice", "alice", "token", "token", "token"], a
assert a[0]["detail"].startswith("queued"), a[0]' || fail "/api/v1/actions"

note "/api/v1/tests says success where the protocol says pass (docs/dashboard.md)"
curl -sf "${BEARER[@]}" "$URL/api/v1/tests" | python3 -c '
import json, sys
t = json.load(sys.stdin)
row = [p for p in t["protocol"] if p["test"] == "T-FILES" and p["trigger"] == "manual"][0]
last = [x for x in t["tests"] if x["test"] == "T-FILES"][0]["last"]
assert row["result"] == "success" and last["result"] == "success", (row, last)' || fail "/api/v1/tests result words"

note "/protocol: the protocol table with the manual test's row"
curl -sf "${BEARER[@]}" "$URL/protocol" >"$WORK/protocol.md"
grep -q '^| Datum | Test-ID | Ergebnis | Issues / Follow-ups | Owner |' "$WORK/protocol.md" || fail "protocol: $(cat "$WORK/protocol.md")"
grep -q '| T-FILES | bestanden' "$WORK/protocol.md" || fail "protocol row: $(cat "$WORK/protocol.md")"
curl -sf "${BEARER[@]}" "$URL/protocol?lang=en" | grep -q '| T-FILES | pass' || fail "protocol in English"
! grep -q "$TOKEN" "$WORK/auth.yaml.log" || fail "the token is in serve's log"

note "after SIGTERM, while a run finishes, a new action is refused with 503 (it was accepted and never ran)"
catalog "$WORK/slow.yaml" "auth: {token_file: $WORK/token}"
sed -i 's|repository: main}|repository: main, hooks: {pre: ["sleep 4"]}}|' "$WORK/slow.yaml"
start_serve "$WORK/slow.yaml"
SLOW_PID=${BG_PIDS[-1]}
SLOW_CSRF=$(curl -sf "${BEARER[@]}" "$SURL/api/v1/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')
[ "$(code -X POST -d "$run" "${BEARER[@]}" -H "X-CSRF-Token: $SLOW_CSRF" "$SURL/api/v1/actions/run")" = 202 ] || fail "slow run: $(cat "$WORK/body")"
running() { [ "$(sqlite3 "$WORK/state-slow.sqlite" "SELECT count(*) FROM runs WHERE result='running'")" = 1 ]; }
wait_for 20 running
kill -TERM "$SLOW_PID"
[ "$(code -X POST -d '{"test": "T-FILES"}' "${BEARER[@]}" -H "X-CSRF-Token: $SLOW_CSRF" "$SURL/api/v1/actions/test")" = 503 ] ||
  fail "an action after SIGTERM: $(cat "$WORK/body")"
grep -q "stopping" "$WORK/body" || fail "the 503 does not say why: $(cat "$WORK/body")"
wait "$SLOW_PID" || fail "serve did not exit 0 after its run"
[ "$(sqlite3 "$WORK/state-slow.sqlite" "SELECT result FROM runs")" = success ] || fail "the running job did not finish"

note "open_read: data without credentials, the session and actions still need them"
catalog "$WORK/open.yaml" "auth: {token_file: $WORK/token, open_read: true}"
start_serve "$WORK/open.yaml"
[ "$(code "$SURL/api/v1/overview")" = 200 ] || fail "open_read overview"
[ "$(code -D "$WORK/h2" "$SURL/api/v1/session")" = 401 ] || fail "open_read session"
grep -qi '^www-authenticate: Bearer realm="hort"' "$WORK/h2" || fail "token only: Bearer challenge"

note "without serve.auth: reading is open, actions are refused"
catalog "$WORK/none.yaml" ""
start_serve "$WORK/none.yaml"
[ "$(code "$SURL/api/v1/overview")" = 200 ] || fail "no auth: overview"
curl -sf "$SURL/api/v1/session" | python3 -c 'import json,sys; s=json.load(sys.stdin); assert s["actions"] is False' ||
  fail "no auth: session"
[ "$(code -X POST -d "$run" "$SURL/api/v1/actions/run")" = 403 ] || fail "no auth: POST"
grep -q "serve.auth" "$WORK/body" || fail "the refusal names serve.auth"

note "a missing token file stops serve before anything runs"
catalog "$WORK/missing.yaml" "auth: {token_file: $WORK/no-such-token}"
set +e
HORT_CONFIG="$WORK/missing.yaml" timeout 20 "$HORT" serve --listen "127.0.0.1:0" >"$WORK/missing.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "missing token file: exit $rc, $(cat "$WORK/missing.out")"
[ "$(wc -l <"$WORK/missing.out")" = 1 ] && grep -q "serve.auth.token_file: cannot read $WORK/no-such-token" "$WORK/missing.out" ||
  fail "missing token file: $(cat "$WORK/missing.out")"
note "ok: dashboard actions behind serve.auth"
