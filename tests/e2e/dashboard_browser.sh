#!/usr/bin/env bash
# hort serve's dashboard in a real browser: headless Chromium driven through
# WebDriver (chromedriver, python3-selenium) by dashboard_browser.py, which
# checks the rendered page, not the JSON. First after two good runs (every
# entry OK, the summary says all is within the RPO, a section per service,
# the nav by keyboard, th scope, light and dark); then, with a failing dump,
# a long backup and a due restore test added: the failing service and entry
# first, named by the summary, the dump's stderr in the error cell, the
# running backup's files and bytes moving from one poll to the next, the
# overdue test first, and at 390 px no horizontal scrolling. In both the
# browser requests nothing but hort's own address and logs no console error.
# Screenshots: var/dashboard-screens/<state>-<theme>.png in the repository.
source "$(dirname "$0")/lib.sh"
for f in /usr/bin/chromium /usr/bin/chromedriver; do
  [ -x "$f" ] || fail "$f is missing (Debian packages chromium, chromium-driver)"
done
/usr/bin/python3 -c 'import selenium' || fail "python3-selenium is missing (Debian package)"
SCREENS=$(cd "$E2E_DIR/../.." && pwd)/var/dashboard-screens
mkdir -p "$SCREENS"
rm -f "$SCREENS"/*.png
browser() { /usr/bin/python3 "$E2E_DIR/dashboard_browser.py" "$1" "$URL" "$SCREENS" "$WORK"; }
serve() {
  "$HORT" serve --listen "127.0.0.1:$PORT" 2>>"$WORK/serve.log" &
  SERVE=$!
  BG_PIDS+=("$SERVE")
  wait_for 20 curl -sf "$URL/healthz"
}
runs() { sqlite3 "$WORK/hort-state.sqlite" "SELECT count(*) FROM runs WHERE result = '$1'"; }
# wait_runs RESULT N: until N runs ended with RESULT (30 s).
wait_runs() {
  local end=$((SECONDS + 30))
  until [ "$(runs "$1")" = "$2" ]; do
    [ $SECONDS -lt $end ] || { cat "$WORK/serve.log"; fail "no $2 runs with result $1 after 30 s"; }
    sleep 0.2
  done
}

mkdir -p "$WORK/src/docs" "$WORK/images"
echo hello >"$WORK/src/a.txt"
for i in $(seq 20); do echo "page $i" >"$WORK/src/docs/p$i.md"; done
# The failing entry and its service come last in the catalog: the page must sort them first.
cat >"$WORK/hort.yaml" <<YAML
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
  bulk: {url: ./bulk, password_env: HORT_PASSWORD}
services:
  wiki: {namespace: docs, classification: best-effort, rpo: 1d,
         files: [{name: pages, path: $WORK/src/docs, schedule: "@yearly", repository: main}]}
  app:
    namespace: apps
    classification: critical
    rpo: 1d
    rto: 4h
    files:
      - {name: data, path: $WORK/src, schedule: "@yearly", repository: main}
YAML
export HORT_CONFIG="$WORK/hort.yaml"
"$HORT" init -r "$WORK/repo" -q
"$HORT" init -r "$WORK/bulk" -q
"$HORT" status >/dev/null || true
# Known since 1970: each yearly slot was missed, so serve runs them at start.
sqlite3 "$WORK/hort-state.sqlite" "UPDATE jobs SET first_seen = 0"
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
serve
wait_runs success 2

note "after two good runs"
browser ok || { cat "$WORK/serve.log"; fail "the dashboard after two good runs"; }

kill -TERM "$SERVE"
wait "$SERVE" || fail "serve did not stop on SIGTERM"
# A dump that fails with a message on stderr. A long backup: media's disk
# images, 2000 sparse files of 64 MiB (125 GiB that take no disk space) that
# hort reads in full, holes too, so the run counts finished files for minutes
# (about 10 a second on 2 cores); the test ends while it runs. (serve's jobs
# do not take the global --limit-upload, so a slow uplink is no option.) Two
# restore tests: wiki-restore passed just now; app-drill never ran and is not
# automatic, so it is overdue.
cat >>"$WORK/hort.yaml" <<YAML
      - name: db
        dump: {command: "echo starting; echo 'pg_dump: error: connection to server failed' >&2; exit 3", container: postgres, extension: .sql}
        schedule: "@yearly"
        repository: main
  media: {namespace: media, classification: important, rpo: 7d,
          files: [{name: images, path: $WORK/images, schedule: "@yearly", repository: bulk}]}
tests:
  wiki-restore: {type: files, scope: [wiki], every: 1y, responsible: ops, auto: false}
  app-drill: {type: files, scope: [app], every: 3mo, responsible: alice, auto: false}
YAML
seq -f "$WORK/images/disk-%04g.img" 0 1999 | xargs truncate -s 64M
"$HORT" test run wiki-restore -q >"$WORK/test.out" 2>&1 || { cat "$WORK/test.out"; fail "wiki-restore did not pass"; }
"$HORT" status >/dev/null || true
sqlite3 "$WORK/hort-state.sqlite" "UPDATE jobs SET first_seen = 0"
serve
wait_runs failed 1

note "with a failed dump, a running backup and an overdue restore test"
browser failing || { cat "$WORK/serve.log"; fail "the dashboard with a failure"; }
[ "$(runs running)" = 1 ] || fail "the media backup ended before the checks did: it must outlast them"
note "ok: the dashboard in Chromium in ${SECONDS} s; screenshots in $SCREENS: $(cd "$SCREENS" && echo *.png)"
