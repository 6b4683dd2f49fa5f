#!/usr/bin/env bash
# Faults: with 5% of requests failing (500, 503, reset, stalled, truncated) a
# 200 MiB backup to RGW completes, restic check --read-data passes and the
# restore is identical. A server that goes away mid-backup gives a clear
# error and leaves a valid repository.
source "$(dirname "$0")/lib.sh"
eval "$(sed 's/^/export /' "$HORT_SERVERS_DIR/env")"
export AWS_ACCESS_KEY_ID=$HORT_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$HORT_TEST_S3_SECRET_KEY
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
upstream=${HORT_TEST_S3_ENDPOINT#http://}
python3 "$E2E_DIR/../servers/fault_proxy.py" "$port" "$upstream" 0.05 20 42 2>"$WORK/proxy.log" > "$WORK/proxy.out" &
proxy=$!
trap 'kill $proxy 2>/dev/null || true; chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do grep -q ready "$WORK/proxy.out" && break; sleep 0.1; done
mkdir -p "$WORK/src"
for i in $(seq 1 10); do head -c 20971520 /dev/urandom > "$WORK/src/f$i"; done
bucket="faults-$$"
via_proxy="s3:http://127.0.0.1:$port/$bucket/repo"
direct="s3:$HORT_TEST_S3_ENDPOINT/$bucket/repo"
opts=(-o http.stall-timeout=4)
note "200 MiB backup through 5% faults"
hort "${opts[@]}" -r "$via_proxy" init >/dev/null
hort "${opts[@]}" -r "$via_proxy" backup "$WORK/src" > "$WORK/backup.out" 2> "$WORK/backup.err" || { cat "$WORK/backup.err"; fail "backup through faults failed"; }
faults=$(grep -c '^fault' "$WORK/proxy.log" || true)
[ "$faults" -ge 3 ] || fail "only $faults faults were injected; the test proves nothing"
grep -q "retrying" "$WORK/backup.err" || fail "no retry was logged"
note "$faults faults injected: $(tail -1 "$WORK/proxy.log")"
restic -r "$direct" check --read-data >/dev/null
note "restore through the faults"
hort "${opts[@]}" -r "$via_proxy" restore latest --target "$WORK/out" >/dev/null 2>"$WORK/restore.err" || { cat "$WORK/restore.err"; fail "restore through faults failed"; }
diff -r "$WORK/src" "$WORK/out$WORK/src" || fail "restore differs"
note "check --read-data through the faults"
hort "${opts[@]}" -r "$via_proxy" check --read-data >/dev/null 2>"$WORK/check.err" || { cat "$WORK/check.err"; fail "check through faults failed"; }
for kind in 500 503 reset stall truncate; do
  grep -q "^fault $kind " "$WORK/proxy.log" || fail "fault kind $kind never injected: $(tail -1 "$WORK/proxy.log")"
done
note "every fault kind was injected: $(tail -1 "$WORK/proxy.log")"
kill $proxy

note "the REST server goes away in the middle of a backup"
rport=$(free_port)
mkdir -p "$WORK/rest"
start_rest() {
  RCLONE_CONFIG=/dev/null rclone serve restic "$WORK/rest" --addr "127.0.0.1:$rport" >/dev/null 2>&1 &
  rest_pid=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$rport/" && break; sleep 0.1; done
}
start_rest
rrepo="rest:http://127.0.0.1:$rport/r"
hort -r "$rrepo" init >/dev/null
echo first > "$WORK/first.txt"
hort -r "$rrepo" backup "$WORK/first.txt" >/dev/null
packs_before=$(find "$WORK/rest/r/data" -type f | wc -l)
"$HORT" -o retry.max-time=6 -r "$rrepo" backup "$WORK/src" > /dev/null 2> "$WORK/gone.err" &
bpid=$!
for _ in $(seq 1 600); do [ "$(find "$WORK/rest/r/data" -type f | wc -l)" -gt "$packs_before" ] && break; sleep 0.02; done
kill "$rest_pid"
set +e; wait "$bpid"; rc=$?; set -e
[ "$rc" != 0 ] || fail "backup succeeded although the server went away"
grep -q "^Fatal: " "$WORK/gone.err" || fail "no clear error: $(tail -3 "$WORK/gone.err")"
note "backup failed with exit $rc: $(grep '^Fatal' "$WORK/gone.err")"
start_rest
hort -r "$rrepo" check --read-data >/dev/null
restic -r "$rrepo" check --read-data > "$WORK/rcheck.out" 2>&1 || { cat "$WORK/rcheck.out"; fail "restic check failed after the server came back"; }
hort -r "$rrepo" restore latest --target "$WORK/rout" >/dev/null
cmp "$WORK/first.txt" "$WORK/rout$WORK/first.txt" || fail "the earlier snapshot does not restore"
hort -r "$rrepo" backup "$WORK/src" >/dev/null || fail "the next backup failed"
kill "$rest_pid"
