#!/usr/bin/env bash
# hort serve's dashboard API and page: after one good and one failed run (a
# dump command that fails with a message on stderr), /api/v1/overview puts the
# failing service first, its summary names the failure, the entry carries the
# dump's stderr, the run's page has its log lines from the state, history has
# both runs, and / with its assets comes from the binary. /status, /table and
# /runbook still answer.
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/src"
echo hello >"$WORK/src/a.txt"
cat >"$WORK/hort.yaml" <<YAML
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
services:
  app:
    namespace: apps
    classification: critical
    rpo: 1d
    files:
      - {name: data, path: $WORK/src, schedule: "@yearly", repository: main}
      - name: db
        dump: {command: "echo starting; echo 'pg_dump: error: connection to server failed' >&2; exit 3", container: postgres, extension: .sql}
        schedule: "@yearly"
        repository: main
  wiki:
    namespace: docs
    classification: best-effort
    rpo: 1d
    files:
      - {name: pages, path: $WORK/src, schedule: "@yearly", repository: main}
YAML
export HORT_CONFIG="$WORK/hort.yaml"
"$HORT" init -r "$WORK/repo" -q
"$HORT" status >/dev/null || true
# Known since 1970: each yearly slot was missed, so serve runs them at start.
sqlite3 "$WORK/hort-state.sqlite" "UPDATE jobs SET first_seen = 0"
PORT=$(free_port)
"$HORT" serve --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
BG_PIDS+=($!)
wait_for 20 curl -sf "http://127.0.0.1:$PORT/healthz"
URL="http://127.0.0.1:$PORT"
finished() { [ "$(sqlite3 "$WORK/hort-state.sqlite" "SELECT count(*) FROM runs WHERE result != 'running'")" = 3 ]; }
wait_for 60 finished || { cat "$WORK/serve.log"; fail "the three runs did not finish"; }

note "overview: the failing service first, the summary names the failure, the dump's stderr shown"
curl -sf "$URL/api/v1/overview" >"$WORK/overview.json"
python3 - "$WORK/overview.json" <<'PY' || fail "overview: $(cat "$WORK/overview.json")"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["summary"] == "1 problem: app/files/db failed", o["summary"]
assert [p["what"] for p in o["problems"]] == ["app/files/db"], o["problems"]
app, wiki = o["services"]
assert app["name"] == "app" and app["health"] == "FAILED" and wiki["health"] == "OK", o["services"]
db = {e["job"]: e for e in app["entries"]}["app/files/db"]
assert db["health"] == "FAILED" and db["runs_failed"] == 1, db
assert "pg_dump: error: connection to server failed" in db["last_error"], db
data = {e["job"]: e for e in app["entries"]}["app/files/data"]
assert data["health"] == "OK" and data["age_seconds"] is not None and 0 <= data["rpo_fraction"] < 0.01, data
assert len(o["next_runs"]) == 3 and o["running"] == [], o
PY

note "the failed run's page: its log lines from the state and its error"
RUN=$(python3 -c 'import json,sys; print([e for e in json.load(open(sys.argv[1]))["services"][0]["entries"] if e["job"]=="app/files/db"][0]["last_run_id"])' "$WORK/overview.json")
curl -sf "$URL/api/v1/runs/$RUN" >"$WORK/run.json"
python3 - "$WORK/run.json" <<'PY' || fail "run: $(cat "$WORK/run.json")"
import json, sys
r = json.load(open(sys.argv[1]))
lines = [l["line"] for l in r["log"]]
assert lines[0] == "app/files/db: started (startup)", lines
assert any("FAILED" in l and "pg_dump: error" in l for l in lines), lines
assert r["result"] == "failed" and r["trigger"] == "startup" and "pg_dump" in r["error"], r
PY
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/runs/99999")" = 404 ] || fail "an unknown run is 404"

note "history, repositories, tests"
curl -sf "$URL/api/v1/history?days=30" | python3 -c '
import json, sys
h = json.load(sys.stdin)
runs = {e["job"]: e["runs"] for e in h["entries"]}
assert [r["result"] for r in runs["app/files/data"]] == ["success"] and runs["app/files/data"][0]["bytes_added"] > 0, runs
assert [r["result"] for r in runs["app/files/db"]] == ["failed"], runs' || fail "history"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/history?days=0")" = 400 ] || fail "days=0 is 400"
# Every API error is JSON {"error": …}: an unknown path or run ID was an empty 404, days=5x read as 5, and
# /protocol?lang=xx answered in German.
for bad in "/api/v1/nope 404" "/api/v1/runs/abc 404" "/api/v1/runs/-1 404" "/api/v1/history?days=5x 400"; do
  set -- $bad
  [ "$(curl -s -o "$WORK/err.json" -w '%{http_code}' "$URL$1")" = "$2" ] || fail "$1: $(cat "$WORK/err.json")"
  python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["error"]' "$WORK/err.json" || fail "$1: not a JSON error: $(cat "$WORK/err.json")"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/protocol?lang=xx")" = 400 ] || fail "/protocol?lang=xx is not 400"
curl -sf "$URL/api/v1/repositories" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert [x["name"] for x in r["repositories"]] == ["main"], r' || fail "repositories"
curl -sf "$URL/api/v1/tests" | python3 -c '
import json, sys
t = json.load(sys.stdin)
assert t == {"tests": [], "protocol": []}, t' || fail "tests"

note "the page and its assets come from the binary; the old pages still answer"
curl -sf "$URL/" >"$WORK/index.html"
grep -q '<script src="/assets/app.js">' "$WORK/index.html" || fail "/ is not the dashboard"
grep -q 'href="/runbook"' "$WORK/index.html" || fail "/ links the runbook"
curl -sf -D "$WORK/js.headers" "$URL/assets/app.js" -o "$WORK/app.js"
grep -qi '^content-type: text/javascript' "$WORK/js.headers" || fail "app.js content type"
grep -qi "^content-security-policy: default-src 'self'" "$WORK/js.headers" || fail "no CSP"
size=$(( $(stat -c %s "$WORK/index.html") + $(stat -c %s "$WORK/app.js") + $(curl -sf "$URL/assets/app.css" | wc -c) ))
[ "$size" -lt 204800 ] || fail "the page is $size bytes"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/assets/nope.js")" = 404 ] || fail "unknown asset is 404"
curl -sf "$URL/status" | python3 -c 'import json,sys; assert len(json.load(sys.stdin)["jobs"]) == 3' || fail "/status"
# To files, not into grep -q: grep leaving early fails curl (exit 23) under pipefail when the page
# arrives in two reads, which a busy machine makes happen (seen beside e2e.dashboard_browser).
curl -sf "$URL/table" -o "$WORK/table.html" || fail "/table"
grep -q 'data-job="app/files/db"' "$WORK/table.html" || fail "/table"
grep -q '<p id="summary">1 problem: app/files/db failed</p>' "$WORK/table.html" || fail "/table summary: $(grep summary "$WORK/table.html")"
curl -sf "$URL/runbook" -o "$WORK/runbook.html" && grep -q '<html' "$WORK/runbook.html" || fail "/runbook"
note "ok: dashboard API and page ($size bytes)"
