#!/usr/bin/env bash
# Starts/stops the test Kubernetes API server (tests/kube/apiserver) on 127.0.0.1 with TLS.
# Usage: kube.sh start DIR [--port N] [--nodes NAME=DIR,...] [--pvc-root DIR] | stop DIR | env DIR
# DIR receives ca.crt, admin.crt/admin.key (CN=admin, O=system:masters), tokens.csv (static
# bearer tokens, kube-apiserver --token-auth-file format), kubeconfig (context/cluster "test",
# user "admin"), server.pid, server.log, and state/ (the pods' container directories).
# --nodes simulates those nodes (each DIR stands for its kubelet root), --pvc-root holds the claims' data:
# see "Stand-ins for controllers" in README.md.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3  # Debian's interpreter: python3-aiohttp and python3-yaml live there

die() { echo "[kube] ERROR: $*" >&2; exit 1; }

certs() {  # a CA, the server certificate and the admin client certificate, once per DIR
  local d=$1
  [ -f "$d/ca.crt" ] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=hort-test-kube-ca" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 30 \
    -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=admin" -keyout "$d/admin.key" -out "$d/admin.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$d/admin.ext"
  openssl x509 -req -in "$d/admin.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 30 \
    -extfile "$d/admin.ext" -out "$d/admin.crt" 2>/dev/null
  rm -f "$d"/*.csr "$d"/*.ext
  # token,user,uid,"group1,group2" as kube-apiserver's --token-auth-file
  cat >"$d/tokens.csv" <<CSV
hort-test-admin-token,token-admin,uid-token-admin,"system:masters"
hort-test-viewer-token,viewer,uid-viewer,"viewers"
CSV
}

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start() {
  local d port="" extra=()
  d=$(mkdir -p "$1" && cd "$1" && pwd); shift
  while [ $# -gt 0 ]; do
    case $1 in
      --port) port=$2; shift 2 ;;
      --nodes|--pvc-root) [ $# -ge 2 ] || die "$1 needs a value"; extra+=("$1" "$2"); shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  [ -f "$d/server.pid" ] && kill -0 "$(cat "$d/server.pid")" 2>/dev/null && die "already running in $d"
  certs "$d"
  mkdir -p "$d/state"
  [ -n "$port" ] || port=$(free_port)
  rm -f "$d/ready"
  "$PY" "$HERE/apiserver/main.py" --port "$port" --cert "$d/server.crt" --key "$d/server.key" \
    --client-ca "$d/ca.crt" --token-file "$d/tokens.csv" --state "$d/state" --ready "$d/ready" ${extra[@]+"${extra[@]}"} \
    </dev/null >"$d/server.log" 2>&1 &
  echo $! >"$d/server.pid"
  echo "$port" >"$d/port"
  local i
  for i in $(seq 1 150); do
    [ -f "$d/ready" ] && curl -sf --cacert "$d/ca.crt" --cert "$d/admin.crt" --key "$d/admin.key" \
      "https://127.0.0.1:$port/version" >/dev/null 2>&1 && break
    kill -0 "$(cat "$d/server.pid")" 2>/dev/null || { cat "$d/server.log" >&2; die "server exited during start-up"; }
    sleep 0.1
  done
  [ "$i" -lt 150 ] || { cat "$d/server.log" >&2; die "server not ready after 15 s"; }
  cat >"$d/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority: $d/ca.crt
users:
- name: admin
  user:
    client-certificate: $d/admin.crt
    client-key: $d/admin.key
contexts:
- name: test
  context:
    cluster: test
    user: admin
current-context: test
YAML
  echo "[kube] test API server on https://127.0.0.1:$port (pid $(cat "$d/server.pid")), KUBECONFIG=$d/kubeconfig" >&2
}

stop() {
  local d=$1
  [ -f "$d/server.pid" ] || return 0
  local pid; pid=$(cat "$d/server.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$d/server.pid"
}

envs() {
  local d; d=$(cd "$1" && pwd)
  echo "export KUBECONFIG=$d/kubeconfig"
  echo "export HORT_TEST_KUBE_SERVER=https://127.0.0.1:$(cat "$d/port")"
  echo "export HORT_TEST_KUBE_CA=$d/ca.crt HORT_TEST_KUBE_CERT=$d/admin.crt HORT_TEST_KUBE_KEY=$d/admin.key"
  echo "export HORT_TEST_KUBE_TOKEN=hort-test-admin-token"
}

case ${1:-} in
  start) [ $# -ge 2 ] || die "usage: kube.sh start DIR [--port N] [--nodes NAME=DIR,...] [--pvc-root DIR]"; shift; start "$@" ;;
  stop) [ $# -eq 2 ] || die "usage: kube.sh stop DIR"; stop "$2" ;;
  env) [ $# -eq 2 ] || die "usage: kube.sh env DIR"; envs "$2" ;;
  *) die "usage: kube.sh start DIR [--port N] [--nodes NAME=DIR,...] [--pvc-root DIR] | stop DIR | env DIR" ;;
esac
