#!/usr/bin/env bash
# Temporary files of killed writers (#25 item 8): a backup killed while it
# streams a pack leaves its `.hort-tmp-*` file; `hort check` lists it (text
# and --json) without calling the repository damaged, `prune` keeps it while
# it is young and removes it once older than an hour, and removes nothing
# else that starts with a dot.
source "$(dirname "$0")/lib.sh"
gen_tree "$WORK/src" --small
hort -r "$WORK/repo" init >/dev/null
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null
mkdir -p "$WORK/src/bulk"
for i in $(seq 1 12); do head -c 8000000 /dev/urandom > "$WORK/src/bulk/f$i"; done
staged() { find "$WORK/repo" -type f -name '.hort-tmp-*' | sort; }
# stop_while LOOK: stops the backup $pid (SIGSTOP) while LOOK prints a file. A
# pack's temporary file lives only while it is written: once one is seen the
# backup is stopped and LOOK asked again, since the file may have been renamed
# between the look and the stop; if so the backup goes on. Returns with the
# backup stopped, or ended.
stop_while() {
  for _ in $(seq 1 4000); do
    if [ -n "$("$1")" ]; then
      kill -STOP "$pid" 2>/dev/null || return 0
      [ -n "$("$1")" ] && return 0
      kill -CONT "$pid"
    fi
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.005
  done
}

note "kill -9 a backup while it writes a pack"
"$HORT" -r "$WORK/repo" backup "$WORK/src" >/dev/null 2>&1 &
pid=$!
stop_while staged
kill -9 "$pid" 2>/dev/null || fail "the backup finished before it could be killed"
wait "$pid" 2>/dev/null || true
[ -n "$(staged)" ] || fail "the killed backup left no temporary file (nothing to test)"
# A lock write killed between its temporary file and the rename, as well.
printf 'x' > "$WORK/repo/locks/.hort-tmp-0011223344556677"
printf 'keep' > "$WORK/repo/data/.not-hort"
count=$(staged | wc -l)

note "check lists them and passes"
hort -r "$WORK/repo" check > "$WORK/check.out" 2>&1 || { cat "$WORK/check.out" >&2; fail "check failed on temporary files"; }
grep -q "^$count temporary files (.*) were left by interrupted writes; hort prune removes those older than 60 minutes:" \
  "$WORK/check.out" || { cat "$WORK/check.out" >&2; fail "check does not count the temporary files"; }
grep -q "^  locks/.hort-tmp-0011223344556677$" "$WORK/check.out" || fail "check does not name the lock's temporary file"
grep -q "not-hort" "$WORK/check.out" && fail "check listed a file that is not hort's"
hort -r "$WORK/repo" check --json > "$WORK/check.json" || fail "check --json failed"
python3 - "$WORK/check.json" "$count" <<'EOF' || fail "check --json: temporary_files wrong"
import json, sys
summary = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][-1]
files = summary["temporary_files"]
assert len(files) == int(sys.argv[2]), files
assert all(f["name"].rsplit("/", 1)[-1].startswith(".hort-tmp-") and f["size"] >= 0 and f["modified"] > 0 for f in files), files
assert summary["num_errors"] == 0, summary
EOF
restic -r "$WORK/repo" check >/dev/null 2>&1 || fail "restic check failed"

note "prune keeps young ones, removes old ones"
hort -r "$WORK/repo" prune > "$WORK/prune1.out" 2>&1 || { cat "$WORK/prune1.out" >&2; fail "prune failed"; }
[ "$(staged | wc -l)" = "$count" ] || fail "prune removed temporary files younger than an hour"
staged | xargs touch -d '2 hours ago'
hort -r "$WORK/repo" prune --json > "$WORK/prune2.json" 2>&1 || { cat "$WORK/prune2.json" >&2; fail "prune failed"; }
[ -z "$(staged)" ] || { staged >&2; fail "prune left old temporary files"; }
[ "$(json_field temporary_files_removed < "$WORK/prune2.json")" = "$count" ] || fail "prune --json does not count them"
[ -f "$WORK/repo/data/.not-hort" ] || fail "prune removed a dot file that is not hort's"
hort -r "$WORK/repo" check > "$WORK/check2.out" 2>&1 || fail "check failed after prune"
grep -q "temporary files" "$WORK/check2.out" && fail "check still lists temporary files"
restic -r "$WORK/repo" check >/dev/null 2>&1 || fail "restic check failed after prune"

note "SIGINT while a pack is written: exit 130, the process's own temporary files removed, another's kept"
printf 'other' >"$WORK/repo/data/.hort-tmp-8899aabbccddeeff"
for i in $(seq 13 24); do head -c 8000000 /dev/urandom > "$WORK/src/bulk/f$i"; done
"$HORT" -r "$WORK/repo" backup "$WORK/src" >/dev/null 2>"$WORK/int.err" &
pid=$!
own() { staged | grep -v 8899aabbccddeeff || true; }
stop_while own
[ -n "$(own)" ] || fail "the backup finished before it could be interrupted"
kill -INT "$pid"
kill -CONT "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" = 130 ] || { cat "$WORK/int.err" >&2; fail "SIGINT: exit $rc, expected 130"; }
[ -z "$(own)" ] || { own >&2; fail "the interrupted backup left its temporary files"; }
[ -f "$WORK/repo/data/.hort-tmp-8899aabbccddeeff" ] || fail "the interrupt removed another writer's temporary file"
[ -z "$(ls "$WORK/repo/locks")" ] || fail "the interrupted backup left its lock"
echo "staged files: ok"
