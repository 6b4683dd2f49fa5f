#!/usr/bin/env bash
# check on a remote repository reads through a cache made for that run, as
# restic's does: its tree packs are fetched whole once (a few requests, not
# one per tree), the cache is removed afterwards, and damage on the server
# is found even when the user's own cache still holds a good copy. And a
# backup keeps its tree packs in the user's cache, so listing or backing up
# again downloads no pack. Against `rclone serve restic -vv`, whose log
# names every request.
source "$(dirname "$0")/lib.sh"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/rest"
RCLONE_CONFIG=/dev/null rclone serve restic "$WORK/rest" --addr "127.0.0.1:$port" -vv > "$WORK/rclone.log" 2>&1 &
BG_PIDS+=($!)
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
repo="rest:http://127.0.0.1:$port/r"
export HORT_CACHE_DIR="$WORK/cache"

dirs=300
for i in $(seq 1 $dirs); do mkdir -p "$WORK/src/d$i"; echo "file $i" > "$WORK/src/d$i/f"; done
hort -r "$repo" init >/dev/null
hort -r "$repo" backup -q "$WORK/src"
packs=$(find "$WORK/rest/r/data" -type f | wc -l)

# pack_gets OUT CMD...: runs CMD (its output to OUT) and prints how many GETs
# of packs the server logged meanwhile.
pack_gets() {
  local out=$1; shift
  local before; before=$(wc -l < "$WORK/rclone.log")
  "$@" > "$out"
  sleep 0.2  # rclone writes its log line after answering
  tail -n +"$((before + 1))" "$WORK/rclone.log" | grep -c 'GET /r/data/' || true
}

note "the backup kept its tree pack: ls reads no pack from the server"
gets=$(pack_gets "$WORK/ls.out" hort -r "$repo" ls latest)
[ "$gets" -eq 0 ] || fail "ls after the backup downloaded $gets packs"
grep -q "/d$dirs/f" "$WORK/ls.out" || fail "ls did not list the files"

note "check: one temporary cache, tree packs fetched whole; a killed check's old one is removed"
# Left by checks killed before they could tidy up: one untouched for 8 days
# (gone after this check), one of an hour ago (could be a running check: kept).
mkdir -p "$WORK/cache/hort-check-cache-stale1/x" "$WORK/cache/hort-check-cache-young1"
touch -d '8 days ago' "$WORK/cache/hort-check-cache-stale1"
touch -d '1 hour ago' "$WORK/cache/hort-check-cache-young1"
gets=$(pack_gets "$WORK/check.out" hort -r "$repo" check -v)
[ -e "$WORK/cache/hort-check-cache-stale1" ] && fail "a killed check's week-old temporary cache was left"
[ -d "$WORK/cache/hort-check-cache-young1" ] || fail "a temporary cache an hour old was removed"
rmdir "$WORK/cache/hort-check-cache-young1"
grep -q "^using temporary cache in $WORK/cache/hort-check-cache-" "$WORK/check.out" || { cat "$WORK/check.out"; fail "no temporary cache named"; }
grep -q "no errors were found" "$WORK/check.out" || fail "check did not pass"
[ "$gets" -le "$packs" ] || fail "check read packs $gets times ($packs packs, $dirs trees): trees one by one"
ls -d "$WORK/cache"/hort-check-cache-* 2>/dev/null && fail "the temporary cache was left behind"
note "$gets pack requests for $((dirs + 1)) trees in $packs packs"

note "--no-cache: no cache at all, every tree a request of its own"
gets=$(pack_gets "$WORK/nocache.out" hort -r "$repo" --no-cache check -v)
grep -q "temporary cache" "$WORK/nocache.out" && fail "--no-cache still used a cache"
[ "$gets" -gt "$dirs" ] || fail "--no-cache read packs only $gets times: the count above proves nothing"
note "$gets pack requests without a cache"

note "damage on the server is found although the user's cache holds a good copy"
hort -r "$repo" ls latest >/dev/null  # fills $HORT_CACHE_DIR with the tree pack
# Every pack on the server gets a flipped byte: without --read-data only the
# tree pack is read, so any finding comes from reading the server's copy.
for p in $(find "$WORK/rest/r/data" -type f); do
  printf '\xff' | dd of="$p" bs=1 seek=20 conv=notrunc status=none
done
hort -r "$repo" check --with-cache >/dev/null 2>"$WORK/with-cache.err" || { cat "$WORK/with-cache.err"; fail "check --with-cache did not read the user's good copy"; }
expect_rc 1 hort -r "$repo" check
grep -q "error:" "$WORK/last.err" || { cat "$WORK/last.err"; fail "check gave no finding for the damaged tree pack"; }
ls -d "$WORK/cache"/hort-check-cache-* 2>/dev/null && fail "the temporary cache was left behind after a failed check"
note "ok"
