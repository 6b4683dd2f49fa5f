#!/usr/bin/env bash
# Starts the real storage servers hort's tests run against, on 127.0.0.1:
#   rgw   Ceph RADOS Gateway (Debian radosgw): one mon, one OSD (memstore), radosgw, cephx off,
#         plain http and (with HORT_TLS=1) https with a self-signed certificate
#   rest  `rclone serve restic` (restic's REST protocol v2) with basic auth
#   swift OpenStack Swift + s3api (Debian): a second S3 implementation, one that enforces the region
# Usage: servers.sh start [rgw] [rest] [swift] | stop | env
# State lives in $HORT_SERVERS_DIR (default /tmp/hort-servers); `env` prints KEY=VALUE lines.
set -euo pipefail
DIR=${HORT_SERVERS_DIR:-/tmp/hort-servers}
RGW_PORT=${HORT_RGW_PORT:-7480} RGW_TLS_PORT=${HORT_RGW_TLS_PORT:-7443} REST_PORT=${HORT_REST_PORT:-8765}
# Test-only credentials.
RGW_KEY=HORTTESTACCESSKEY001 RGW_SECRET=hortTestSecretKey000000000000000000000001
RGW_KEY2=HORTTESTACCESSKEY002 RGW_SECRET2=hortTestSecretKey000000000000000000000002
REST_USER=hort REST_PASS=hort-rest-pass
SWIFT_PORT=${HORT_SWIFT_PORT:-8781} SWIFT_SECRET=hort-swift-secret
SWIFT_ACCOUNT_PORT=6232 SWIFT_CONTAINER_PORT=6231 SWIFT_OBJECT_PORT=6230 SWIFT_MEMCACHED_PORT=11239
export DEBIAN_FRONTEND=noninteractive

say() { echo "[servers] $*" >&2; }
die() { say "ERROR: $*"; for f in "$DIR"/log/*; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 20 "$f" >&2; }; done; exit 1; }

install() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  apt-get install -y -q --no-install-recommends "${missing[@]}" >"$DIR/log/apt.log" 2>&1 || {
    apt-get update -q >>"$DIR/log/apt.log" 2>&1
    apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$DIR/log/apt.log" 2>&1 || die "apt-get install failed"
  }
}

daemon() {  # daemon NAME CMD...: run in the background, remember the pid
  local name=$1; shift
  "$@" </dev/null >"$DIR/log/$name.log" 2>&1 &
  echo $! >"$DIR/pids/$name"
}

wait_until() {  # wait_until SECONDS NAME CMD...: poll while daemon NAME lives
  local deadline=$((SECONDS + $1)) name=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    kill -0 "$(cat "$DIR/pids/$name")" 2>/dev/null || die "$name exited during start-up"
    [ $SECONDS -lt $deadline ] || die "timed out waiting for $name"
    sleep 0.1
  done
}

tls_cert() {
  [ -f "$DIR/tls/ca.crt" ] && return 0
  mkdir -p "$DIR/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$DIR/tls/server.key" -out "$DIR/tls/ca.crt" 2>/dev/null
  cat "$DIR/tls/ca.crt" "$DIR/tls/server.key" >"$DIR/tls/server.pem"
  echo "HORT_TEST_TLS_CA=$DIR/tls/ca.crt" >>"$DIR/env"
}

start_rgw() {
  install ceph-mon ceph-osd radosgw
  local C=$DIR/ceph fsid front
  mkdir -p "$C"/{mon,osd,run,log,rgw}
  fsid=$(cat /proc/sys/kernel/random/uuid)
  front="beast endpoint=127.0.0.1:$RGW_PORT"
  [ "${HORT_TLS:-0}" = 1 ] && front="$front ssl_endpoint=127.0.0.1:$RGW_TLS_PORT ssl_certificate=$DIR/tls/server.pem"
  cat >"$C/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:3300,v1:127.0.0.1:6789]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
paxos propose interval = 0.05
paxos min wait = 0.01
run dir = $C/run
admin socket = $C/run/\$name.asok
pid file = $C/run/\$name.pid
log file = $C/log/\$name.log
keyring = $C/keyring
[mon.a]
mon data = $C/mon
[osd]
osd data = $C/osd
osd objectstore = memstore
memstore device bytes = 4294967296
osd memory target = 1073741824
[client.rgw.a]
rgw frontends = $front
rgw data = $C/rgw
# Virtual-hosted-style requests (bucket.localhost): curl resolves *.localhost to loopback itself.
rgw dns name = localhost
ms mon client mode = crc secure
CONF
  export CEPH_CONF=$C/ceph.conf
  ceph-authtool --create-keyring "$C/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a '[v2:127.0.0.1:3300,v1:127.0.0.1:6789]' "$C/monmap" >/dev/null
  ceph-mon --mkfs -i a --monmap "$C/monmap" --keyring "$C/keyring" >"$DIR/log/mon-mkfs.log" 2>&1 || die "ceph-mon --mkfs"
  # Ceph's own packages and containers (Rook's, a homelab's RGW) allocate
  # with tcmalloc, which keeps freed memory for the next request; Debian's
  # build uses glibc malloc, which gave large messenger and frontend
  # buffers (RGW moves objects in 4 MiB pieces) back to the kernel after
  # use, so the pages data passed through were faulted in and zeroed again
  # and again: RGW and OSD took 8-11 s of CPU per GiB a backup stored, 4-5 s
  # with these, which keep buffers below 32 MiB in malloc's heap as tcmalloc
  # would (set together; which matters more was not measured).
  local ceph_malloc=(env MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456)
  daemon ceph-mon "${ceph_malloc[@]}" ceph-mon -i a -f
  wait_until 60 ceph-mon ceph --connect-timeout 3 mon stat
  local uuid id; uuid=$(cat /proc/sys/kernel/random/uuid)
  id=$(ceph osd new "$uuid")
  ceph-osd -i "$id" --mkfs --osd-uuid "$uuid" >"$DIR/log/osd-mkfs.log" 2>&1 || die "ceph-osd --mkfs"
  daemon ceph-osd "${ceph_malloc[@]}" ceph-osd -i "$id" -f
  osd_up() { ceph osd stat | grep -q ' 1 up'; }
  wait_until 120 ceph-osd osd_up
  daemon radosgw "${ceph_malloc[@]}" radosgw -n client.rgw.a -f
  rgw_up() { curl -s --max-time 2 "http://127.0.0.1:$RGW_PORT/" | grep -q ListAllMyBucketsResult; }
  wait_until 120 radosgw rgw_up
  radosgw-admin user create --uid=hort --display-name=hort --access-key="$RGW_KEY" --secret-key="$RGW_SECRET" >/dev/null
  # A second user with keys of its own: its buckets are closed to the first
  # (and the other way round), as a homelab's primary and offsite targets are.
  radosgw-admin user create --uid=hort2 --display-name=hort2 --access-key="$RGW_KEY2" --secret-key="$RGW_SECRET2" >/dev/null
  cat >>"$DIR/env" <<E
HORT_TEST_S3_ACCESS_KEY_2=$RGW_KEY2
HORT_TEST_S3_SECRET_KEY_2=$RGW_SECRET2
HORT_TEST_S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
HORT_TEST_S3_VHOST_ENDPOINT=http://localhost:$RGW_PORT
HORT_TEST_S3_ACCESS_KEY=$RGW_KEY
HORT_TEST_S3_SECRET_KEY=$RGW_SECRET
E
  [ "${HORT_TLS:-0}" = 1 ] && echo "HORT_TEST_S3_TLS_ENDPOINT=https://127.0.0.1:$RGW_TLS_PORT" >>"$DIR/env"
  say "rgw ready on 127.0.0.1:$RGW_PORT"
}

# OpenStack Swift with its S3 layer: a second, independent S3 implementation
# that, unlike RGW, enforces the SigV4 region.
start_swift() {
  install swift-proxy swift-account swift-container swift-object memcached
  local S=$DIR/swift n p
  mkdir -p "$S"/{etc,srv/d1}
  printf '[swift-hash]\nswift_hash_path_suffix = hort-suffix\nswift_hash_path_prefix = hort-prefix\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n' >"$S/etc/swift.conf"
  for entry in account:$SWIFT_ACCOUNT_PORT container:$SWIFT_CONTAINER_PORT object:$SWIFT_OBJECT_PORT; do
    n=${entry%%:*} p=${entry##*:}
    ( cd "$S/etc" && swift-ring-builder "$n.builder" create 6 1 1 && swift-ring-builder "$n.builder" add "r1z1-127.0.0.1:$p/d1" 100 \
      && swift-ring-builder "$n.builder" rebalance ) >/dev/null
    cat >"$S/etc/$n-server.conf" <<C
[DEFAULT]
devices = $S/srv
mount_check = false
bind_ip = 127.0.0.1
bind_port = $p
workers = 0
swift_dir = $S/etc
log_name = $n
[pipeline:main]
pipeline = $n-server
[app:$n-server]
use = egg:swift#$n
[$n-replicator]
[$n-auditor]
C
  done
  cat >"$S/etc/proxy-server.conf" <<C
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $SWIFT_PORT
workers = 0
swift_dir = $S/etc
log_name = proxy
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$SWIFT_MEMCACHED_PORT
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
[filter:tempauth]
use = egg:swift#tempauth
user_hort_hort = $SWIFT_SECRET .admin
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
C
  daemon swift-memcached memcached -l 127.0.0.1 -p "$SWIFT_MEMCACHED_PORT" -U 0 -m 64 -u root
  for n in account container object; do daemon "swift-$n" /usr/bin/python3 "/usr/bin/swift-$n-server" "$S/etc/$n-server.conf"; done
  daemon swift-proxy /usr/bin/python3 /usr/bin/swift-proxy-server "$S/etc/proxy-server.conf"
  wait_until 60 swift-proxy curl -sf -o /dev/null "http://127.0.0.1:$SWIFT_PORT/healthcheck"
  # The proxy answers before its backends do: wait for a signed S3 round trip.
  printf 'machine 127.0.0.1 login hort:hort password %s\n' "$SWIFT_SECRET" >"$S/netrc"
  wait_until 60 swift-proxy curl -sf -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" --netrc-file "$S/netrc" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "http://127.0.0.1:$SWIFT_PORT/"
  cat >>"$DIR/env" <<E
HORT_TEST_SWIFT_ENDPOINT=http://127.0.0.1:$SWIFT_PORT
HORT_TEST_SWIFT_ACCESS_KEY=hort:hort
HORT_TEST_SWIFT_SECRET_KEY=$SWIFT_SECRET
E
  say "swift (s3api) ready on 127.0.0.1:$SWIFT_PORT"
}

start_rest() {
  install rclone
  mkdir -p "$DIR/rest"
  daemon rclone env RCLONE_CONFIG=/dev/null rclone serve restic "$DIR/rest" --addr "127.0.0.1:$REST_PORT" \
    --user "$REST_USER" --pass "$REST_PASS"
  wait_until 30 rclone curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$REST_PORT/"
  echo "HORT_TEST_REST_URL=http://$REST_USER:$REST_PASS@127.0.0.1:$REST_PORT" >>"$DIR/env"
  say "rest ready on 127.0.0.1:$REST_PORT"
}

stop_all() {
  [ -d "$DIR/pids" ] || { rm -rf "$DIR"; return 0; }
  local f pids=() pid
  # Every daemon is asked at once: each takes about 2 s to go, which one
  # after the other kept the last test waiting 18 s.
  for name in radosgw rclone swift-proxy swift-object swift-container swift-account swift-memcached ceph-osd ceph-mon; do
    f=$DIR/pids/$name; [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null && pids+=("$pid")
  done
  for _ in $(seq 1 100); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 1 ] || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$DIR"
}

case "${1:-}" in
  start)
    shift
    [ $# -gt 0 ] || set -- rgw rest swift
    stop_all
    mkdir -p "$DIR"/{log,pids}
    : >"$DIR/env"
    install curl openssl
    [ "${HORT_TLS:-0}" = 1 ] && tls_cert
    for s in "$@"; do "start_$s"; done
    cat "$DIR/env" ;;
  stop) stop_all ;;
  env) cat "$DIR/env" ;;
  *) echo "usage: $0 start [rgw] [rest] | stop | env" >&2; exit 2 ;;
esac
