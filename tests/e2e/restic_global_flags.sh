#!/usr/bin/env bash
# Issue #23 item 3 (global part): restic's global flags and variables —
# --pack-size/RESTIC_PACK_SIZE, the password from a pipe, --key-hint/
# RESTIC_KEY_HINT, --limit-upload/--limit-download, RESTIC_COMPRESSION,
# --cleanup-cache, --tls-client-cert's file check, check --with-cache and
# restore --sparse — side by side with restic 0.14 where it has them.
source "$(dirname "$0")/lib.sh"
R="$WORK/repo"
mkdir -p "$WORK/src"
# 40 MiB: hort fills two data packs at once here (one per saving worker), so each may get only half of the
# data; with 24 MiB neither reached 16 MiB at times and the default's largest pack was 12 MiB or less.
python3 -c 'import os,sys; open(sys.argv[1],"wb").write(os.urandom(40<<20))' "$WORK/src/random.bin"
restic_init "$R"

max_pack_mib() { find "$1/data" -type f -printf '%s\n' | sort -n | tail -1 | awk '{printf "%d", $1/1048576}'; }

note "RESTIC_PACK_SIZE=4: packs of about 4 MiB instead of 16 (restic makes the same)"
RESTIC_PACK_SIZE=4 hort -r "$R" backup "$WORK/src" >/dev/null
packs=$(find "$R/data" -type f | wc -l)
[ "$packs" -ge 4 ] || fail "expected >= 4 packs of 4 MiB for 40 MiB, got $packs"
# A pack closes once it passes 4 MiB, so it ends larger by at most one chunk (8 MiB at most).
[ "$(max_pack_mib "$R")" -lt 12 ] || fail "a pack is larger than 4 MiB + one chunk with RESTIC_PACK_SIZE=4"
restic -r "$R" check --read-data >/dev/null 2>&1 || fail "restic check of the 4 MiB packs"
cp -r "$R" "$WORK/r16" && find "$WORK/r16/data" "$WORK/r16/index" "$WORK/r16/snapshots" -type f -delete
hort -r "$WORK/r16" backup "$WORK/src" >/dev/null
# Of 40 MiB over two packs at a time, one lane gets 20 MiB or more and closes a pack short of 16 MiB by less
# than the blob that did not fit (a random chunk over 4 MiB is rare).
[ "$(max_pack_mib "$WORK/r16")" -ge 12 ] || fail "the default pack size is not 16 MiB"
hort -r "$WORK/r16" --pack-size 8 backup --force "$WORK/src" >/dev/null  # --force rereads, but every blob is known: nothing new
note "--pack-size outside 4..128: restic's messages, exit 1 (restic: exit 1)"
expect_rc 1 "$HORT" -r "$R" --pack-size 2 snapshots
grep -q '^Fatal: pack size smaller than minimum of 4 MiB$' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
expect_rc 1 "$HORT" -r "$R" --pack-size 200 snapshots
grep -q 'pack size larger than limit of 128 MiB' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
expect_rc 1 restic -r "$R" --pack-size 2 snapshots

note "the password from a pipe (standard input not a terminal), as restic"
(unset HORT_PASSWORD RESTIC_PASSWORD; echo e2e-password | "$HORT" -r "$R" snapshots >/dev/null) || fail "password from a pipe"
(unset HORT_PASSWORD RESTIC_PASSWORD; echo e2e-password | restic -r "$R" snapshots >/dev/null 2>&1) || fail "restic: password from a pipe"
set +e
(unset HORT_PASSWORD RESTIC_PASSWORD; echo wrong | "$HORT" -r "$R" snapshots >/dev/null 2>"$WORK/pw.err"); rc=$?
set -e
[ "$rc" = 12 ] || fail "a wrong piped password: exit $rc"
set +e
(unset HORT_PASSWORD RESTIC_PASSWORD; "$HORT" -r "$R" snapshots </dev/null >/dev/null 2>"$WORK/pw.err"); rc=$?
set -e
[ "$rc" = 1 ] && grep -q 'standard input is empty' "$WORK/pw.err" || fail "empty stdin: exit $rc $(cat "$WORK/pw.err")"
set +e
(unset HORT_PASSWORD RESTIC_PASSWORD; echo e2e-password | "$HORT" -r "$R" backup --stdin >/dev/null 2>"$WORK/pw.err"); rc=$?
set -e
[ "$rc" = 1 ] && grep -q 'cannot read both the password and the data' "$WORK/pw.err" || fail "backup --stdin with a piped password: exit $rc"
(unset HORT_PASSWORD RESTIC_PASSWORD; echo piped-init | "$HORT" -r "$WORK/piped" init >/dev/null) || fail "init with a piped password"
RESTIC_PASSWORD=piped-init restic -r "$WORK/piped" snapshots >/dev/null 2>&1 || fail "restic opens the repository made with a piped password"

note "a password file beats the password variable, as in restic; an empty or unreadable source is refused"
printf 'e2e-password\n' > "$WORK/good-pw"
RESTIC_PASSWORD=wrong RESTIC_PASSWORD_FILE="$WORK/good-pw" restic -r "$R" snapshots >/dev/null 2>&1 || fail "restic: the file wins"
HORT_PASSWORD=wrong HORT_PASSWORD_FILE="$WORK/good-pw" "$HORT" -r "$R" snapshots >/dev/null || fail "the file must win over HORT_PASSWORD"
RESTIC_PASSWORD=wrong RESTIC_PASSWORD_FILE="$WORK/good-pw" "$HORT" -r "$R" snapshots >/dev/null || fail "the file must win over RESTIC_PASSWORD"
: > "$WORK/empty-pw"
HORT_PASSWORD_FILE="$WORK/empty-pw" expect_rc 1 "$HORT" -r "$WORK/empty-pw-repo" init
grep -q 'an empty password is not a password' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
[ ! -e "$WORK/empty-pw-repo" ] || fail "init with an empty password made a repository"
RESTIC_PASSWORD_FILE="$WORK/empty-pw" expect_rc 1 restic -r "$WORK/empty-pw-restic" init
expect_rc 1 "$HORT" -r "$R" key add --new-password-file "$WORK/empty-pw"
HORT_PASSWORD_FILE="$WORK" expect_rc 1 "$HORT" -r "$R" snapshots
grep -q 'Is a directory' "$WORK/last.err" || fail "a folder as the password file: $(cat "$WORK/last.err")"
expect_rc 1 "$HORT" -r "$R" -p "$WORK/good-pw" --password-command 'echo e2e-password' snapshots
grep -q 'mutually exclusive' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"

note "--key-hint / RESTIC_KEY_HINT: the hinted key is tried first; a wrong hint still opens"
HORT_NEW_PASSWORD=second-password hort -r "$R" key add >/dev/null
second=$(RESTIC_PASSWORD=second-password restic -r "$R" key list --json | python3 -c 'import json,sys; print([k["id"] for k in json.load(sys.stdin) if k["current"]][0])')
HORT_PASSWORD=second-password hort -r "$R" --key-hint "${second:0:8}" snapshots >/dev/null || fail "--key-hint"
HORT_PASSWORD=second-password RESTIC_KEY_HINT="$second" hort -r "$R" snapshots >/dev/null || fail "RESTIC_KEY_HINT"
hort -r "$R" --key-hint "$second" snapshots >/dev/null || fail "a hint naming another key must still open"
RESTIC_PASSWORD=second-password restic -r "$R" --key-hint "$second" snapshots >/dev/null 2>&1 || fail "restic --key-hint"

note "--limit-upload / --limit-download: 8 MiB at 2048 KiB/s take at least 3 s"
python3 -c 'import os,sys; open(sys.argv[1],"wb").write(os.urandom(8<<20))' "$WORK/src2.bin"
start=$(date +%s.%N)
hort -r "$R" --limit-upload 2048 backup "$WORK/src2.bin" >/dev/null
up=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(date +%s.%N)")
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 2.9 else 1)" "$up" || fail "--limit-upload 2048 took only ${up}s for 8 MiB"
start=$(date +%s.%N)
hort -r "$R" --limit-download 2048 restore latest --target "$WORK/lim" >/dev/null
down=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(date +%s.%N)")
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 2.9 else 1)" "$down" || fail "--limit-download 2048 took only ${down}s for 8 MiB"
cmp "$WORK/src2.bin" "$WORK/lim$WORK/src2.bin" || fail "restore under the download limit differs"
expect_rc 1 "$HORT" -r "$R" --limit-upload -5 snapshots

note "RESTIC_COMPRESSION=off stores text uncompressed; unset it compresses (restic reads both)"
python3 -c 'import sys; open(sys.argv[1],"w").write("compressible line of text\n" * 400000)' "$WORK/text.txt"
restic_init "$WORK/c-off"
restic_init "$WORK/c-auto"
RESTIC_COMPRESSION=off hort -r "$WORK/c-off" backup "$WORK/text.txt" >/dev/null
hort -r "$WORK/c-auto" backup "$WORK/text.txt" >/dev/null
off=$(du -sb "$WORK/c-off/data" | cut -f1); auto=$(du -sb "$WORK/c-auto/data" | cut -f1)
[ "$off" -gt $((9 << 20)) ] && [ "$auto" -lt $((off / 4)) ] || fail "RESTIC_COMPRESSION=off: $off bytes, auto: $auto bytes"
RESTIC_COMPRESSION=off hort -r "$WORK/c-auto" --compression max backup --force "$WORK/text.txt" >/dev/null  # the flag wins
restic -r "$WORK/c-off" check --read-data >/dev/null 2>&1 || fail "restic check of the uncompressed repository"

note "--cleanup-cache removes cache folders unused for 30 days when a repository is opened"
base="$WORK/cache"; mkdir -p "$base/00112233445566ff"; touch -d '31 days ago' "$base/00112233445566ff"
hort -r "$R" --cache-dir "$base" snapshots >/dev/null
[ -d "$base/00112233445566ff" ] || fail "without --cleanup-cache the old folder must stay"
hort -r "$R" --cache-dir "$base" --cleanup-cache snapshots >/dev/null
[ ! -e "$base/00112233445566ff" ] || fail "--cleanup-cache left the old folder"

note "--tls-client-cert: a file without certificate and key is refused with one line"
echo "not a pem" >"$WORK/bad.pem"
AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y expect_rc 1 "$HORT" -r s3:https://127.0.0.1:1/bucket --tls-client-cert "$WORK/bad.pem" snapshots
[ "$(wc -l <"$WORK/last.err")" = 1 ] && grep -q 'must hold a PEM certificate and its private key' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y expect_rc 1 "$HORT" -r s3:https://127.0.0.1:1/bucket --tls-client-cert "$WORK/missing.pem" snapshots

note "check --with-cache and restore --sparse are accepted (restic's flags)"
hort -r "$R" check --with-cache >/dev/null
hort -r "$R" restore latest --sparse --target "$WORK/sparse" >/dev/null
restic -r "$R" check --with-cache >/dev/null 2>&1

echo "PASS restic_global_flags"
