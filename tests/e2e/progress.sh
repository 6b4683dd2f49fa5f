#!/usr/bin/env bash
# On a terminal, backup/restore/check draw one live progress line in place;
# piped output has none of it.
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/src"
for i in $(seq 1 6); do head -c 30000000 /dev/urandom > "$WORK/src/f$i"; done
hort -r "$WORK/repo" init >/dev/null
on_tty() { script -qec "$*" /dev/null; }
on_tty "$HORT" -r "$WORK/repo" backup "$WORK/src" > "$WORK/tty.out"
grep -q $'\r' "$WORK/tty.out" || fail "no in-place progress line on a terminal"
grep -aq "files, " "$WORK/tty.out" || fail "progress line lacks the file count"
grep -aqE "[0-9.]+%" "$WORK/tty.out" || fail "progress line lacks a percentage"
grep -aq "snapshot .* saved" "$WORK/tty.out" || fail "no summary after the progress line"
on_tty "$HORT" -r "$WORK/repo" restore latest --target "$WORK/out" > "$WORK/tty2.out"
grep -q $'\r' "$WORK/tty2.out" || fail "restore drew no progress on a terminal"
on_tty "$HORT" -r "$WORK/repo" check --read-data > "$WORK/tty3.out"
grep -aq "packs" "$WORK/tty3.out" || fail "check drew no progress on a terminal"
hort -r "$WORK/repo" backup --force "$WORK/src" > "$WORK/pipe.out"
if grep -q $'\r' "$WORK/pipe.out"; then fail "progress drawn into a pipe"; fi
true
