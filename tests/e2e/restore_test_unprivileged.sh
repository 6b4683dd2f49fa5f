#!/usr/bin/env bash
# A files restore test as the image's user (65532), not root: a snapshot with
# an unreadable file (mode 000), a read-only folder (0500), folders nobody but
# root enters (0000, one inside another) and a write-only folder (0200)
# restores, is checked and re-hashed, and is removed again. hort as non-root could neither open the
# file to re-hash it (the test failed a correct backup) nor remove the
# folder's entries (the scratch target stayed; the next run failed on it).
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || fail "this test switches to uid 65532 and needs root to do so"
command -v setpriv >/dev/null || fail "setpriv is missing (Debian package util-linux)"

mkdir -p "$WORK/pvc/ro-folder" "$WORK/pvc/closed/inner" "$WORK/pvc/write-only" "$WORK/work"
echo "only root reads me" >"$WORK/pvc/locked.txt"
echo "a" >"$WORK/pvc/ro-folder/a.txt"
echo "b" >"$WORK/pvc/closed/inner/b.txt"
echo "c" >"$WORK/pvc/write-only/c.txt"
chmod 000 "$WORK/pvc/locked.txt"
chmod 0500 "$WORK/pvc/ro-folder"
chmod 0000 "$WORK/pvc/closed" "$WORK/pvc/closed/inner"
chmod 0200 "$WORK/pvc/write-only"
cat >"$WORK/hort.yaml" <<YAML
work_dir: ./work
state: ./state.sqlite
repositories:
  main: {url: ./repo, password_env: HORT_PASSWORD}
services:
  app:
    classification: critical
    rpo: 1d
    files:
      - {pvc: data, source: ./pvc, schedule: "@daily", repository: main}
tests:
  BT-K8-01: {type: files, scope: app, every: 3mo}
YAML
export HORT_CONFIG="$WORK/hort.yaml"
hort init -r "$WORK/repo" -q
hort run app -q  # as root, which reads the 000 file

# The image's user owns what the daemon writes (repository, state and its WAL, work_dir), and has
# its own copy of hort (the build folder may be below a home only root enters).
cp "$HORT" "$WORK/hort-bin"
chown -R 65532:65532 "$WORK"
as_image_user() { setpriv --reuid 65532 --regid 65532 --clear-groups env HOME="$WORK/work" "$WORK/hort-bin" "$@"; }

note "as uid 65532: the test passes and leaves no scratch target"
expect_rc 0 as_image_user test run BT-K8-01
grep -q "PASS" "$WORK/last.out" || { cat "$WORK/last.out" "$WORK/last.err"; fail "no PASS line"; }
[ ! -e "$WORK/work/BT-K8-01-restore-test" ] || fail "the scratch target was left behind"
hort protocol --json | python3 -c '
import json, sys
row = json.load(sys.stdin)[-1]
assert row["result"] == "pass" and row["files"] == 4, row' || fail "the row: $(hort protocol --json)"

note "a kept scratch target with the read-only folder is removed by the next run"
expect_rc 0 as_image_user test run BT-K8-01 --keep
[ -d "$WORK/work/BT-K8-01-restore-test" ] || fail "--keep removed the scratch target"
kept=$(find "$WORK/work/BT-K8-01-restore-test" -name closed -o -name write-only -o -name inner | sort | xargs stat -c '%n %a')
[ "$(echo "$kept" | sed 's|.*/||')" = "$(printf 'closed 0\ninner 0\nwrite-only 200')" ] || fail "the folders' modes were not put back: $kept"
expect_rc 0 as_image_user test run BT-K8-01
grep -q "removed a scratch target left by an earlier run" "$WORK/last.out" || { cat "$WORK/last.out"; fail "no note of the removal"; }
[ ! -e "$WORK/work/BT-K8-01-restore-test" ] || fail "the scratch target was left behind"
echo "unprivileged restore test ok"
