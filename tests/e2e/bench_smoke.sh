#!/usr/bin/env bash
# `./run bench` works end to end on tiny data: both modes run hort and restic
# side by side, print every step with its ratio, end with the memory model,
# and restic reads every repository hort wrote (the bench aborts otherwise).
# A functional check of the benchmark tool only: the figures themselves are
# never asserted (speed is measured by the real bench, not by a test), so it runs
# with --settle 0 --keep-page-cache: no 6 s quiet-disk wait per tool and run (48 s
# of its 77 s on 2026-12-04) and no drop_caches, which slowed every test beside it.
source "$(dirname "$0")/lib.sh"
BENCH="$E2E_DIR/../../bench/bench.py"

note "1 GiB mode, scaled down to 2 MiB"
python3 "$BENCH" "$HORT" --work "$WORK/size" --size 2M --tools hort,restic --reps 1 --settle 0 --keep-page-cache > "$WORK/size.out" 2>&1 ||
  { cat "$WORK/size.out" >&2; fail "bench --size 2M failed"; }
grep -q "restic check --read-data of hort's repository repo-hort-0: ok" "$WORK/size.out" ||
  fail "the size mode did not have restic check hort's repository"
for step in "init" "first backup" "incremental backup" "no-change backup" "full restore" "check --read-data"; do
  grep -Eq "^$step +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+x$" "$WORK/size.out" ||
    { cat "$WORK/size.out" >&2; fail "no row with a restic/hort ratio for: $step"; }
done
grep -Eq "^repository size: hort [0-9.]+ MiB, restic [0-9.]+ MiB" "$WORK/size.out" || fail "no repository sizes"

note "--data: the six steps on a copy of a folder, which stays as it was"
mkdir -p "$WORK/mine/sub"
head -c 300000 /dev/urandom > "$WORK/mine/random.bin"
seq 1 50000 > "$WORK/mine/sub/numbers.txt"
for i in $(seq 1 30); do echo "note $i" > "$WORK/mine/sub/n$i"; done
before=$(cd "$WORK/mine" && find . -type f -exec sha256sum {} + | sort)
python3 "$BENCH" "$HORT" --work "$WORK/data" --data "$WORK/mine" --tools hort,restic --reps 1 --settle 0 --keep-page-cache > "$WORK/data.out" 2>&1 ||
  { cat "$WORK/data.out" >&2; fail "bench --data failed"; }
grep -q "^data: $WORK/mine, " "$WORK/data.out" || { cat "$WORK/data.out" >&2; fail "--data did not name the folder"; }
grep -Eq "^full restore +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+x$" "$WORK/data.out" || fail "--data: no restore row"
# zstd counts numbers.txt (282 KiB) as text, at the rate `zstd -b3` measures
# on it; the random file and the 8-byte notes (which zlib cannot shrink) at
# its random-data rate.
grep -Eq "^compute floor of the first backup: [0-9.]+ s \(chunker [0-9.]+ s, sha256 x2 [0-9.]+ s, aes [0-9.]+ s, zstd [0-9.]+ s \(0\.3 MiB of text at [0-9]+ MB/s, zstd -b3 on a sample\), over [0-9]+ cores\); hort [0-9.]+ s = [0-9.]+x the floor \(every byte at zstd's random-data rate: [0-9.]+ s, [0-9.]+x\)$" "$WORK/data.out" ||
  { cat "$WORK/data.out" >&2; fail "no compute floor line"; }
# The floor is measured just before each of hort's first backups (one here).
grep -Eq "^  measured just before each of hort's first backups: floor [0-9.]+ s, hort [0-9.]+ s = [0-9.]+x$" "$WORK/data.out" ||
  { cat "$WORK/data.out" >&2; fail "no floor per first backup"; }
[ "$(cd "$WORK/mine" && find . -type f -exec sha256sum {} + | sort)" = "$before" ] || fail "--data changed the user's folder"
set +e; python3 "$BENCH" "$HORT" --work "$WORK/mine/w" --data "$WORK/mine" --tools hort > "$WORK/inside.out" 2>&1; rc=$?; set -e
[ "$rc" != 0 ] && grep -q "must not hold or lie inside the bench's work folder" "$WORK/inside.out" || fail "a work folder inside --data was not refused"

note "small-file mode"
python3 "$BENCH" "$HORT" --work "$WORK/files" --files 20,60 --tools hort,restic --settle 0 --keep-page-cache > "$WORK/files.out" 2>&1 ||
  { cat "$WORK/files.out" >&2; fail "bench --files failed"; }
for n in 20 60; do
  grep -q "restic check --read-data of hort's repository repo-hort-$n-0: ok" "$WORK/files.out" ||
    fail "restic did not check hort's $n-file repository"
  for tool in hort restic; do
    grep -Eq "^ +$n $tool +[0-9.]+" "$WORK/files.out" || { cat "$WORK/files.out" >&2; fail "no $n-file row for $tool"; }
  done
done
for tool in hort restic; do
  for step in backup restore; do
    grep -Eq "^$tool $step memory: -?[0-9]+ bytes per file \(20->60\), fixed -?[0-9]+ MiB, one-file peak [0-9]+ MiB; predicted/measured MiB 20: [0-9]+/[0-9]+ 60: [0-9]+/[0-9]+$" "$WORK/files.out" ||
      { cat "$WORK/files.out" >&2; fail "no memory model for $tool $step"; }
  done
done
echo "bench smoke: ok"
