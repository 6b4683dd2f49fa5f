#!/usr/bin/env bash
# Bad input gets one clear line and the documented exit code (docs/exit-codes.md).
source "$(dirname "$0")/lib.sh"
gen_tree "$WORK/src" --small
hort -r "$WORK/repo" init >/dev/null
"$HORT_FIXTURE" cheap-key "$WORK/repo" || fail "hort-fixture cheap-key failed"  # restic is asked below, 50 times
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null

note "wrong password → 12, one line, password not echoed"
HORT_PASSWORD=not-the-password expect_rc 12 "$HORT" -r "$WORK/repo" snapshots
[ "$(wc -l < "$WORK/last.err")" = 1 ] || fail "expected one line on stderr, got: $(cat "$WORK/last.err")"
grep -q "not-the-password" "$WORK/last.err" && fail "password appeared in the error"

note "not a repository → 10"
mkdir -p "$WORK/empty"
expect_rc 10 "$HORT" -r "$WORK/empty" snapshots
expect_rc 10 "$HORT" -r "$WORK/does-not-exist" backup "$WORK/src"
[ "$(wc -l < "$WORK/last.err")" = 1 ] || fail "expected one line on stderr"

note "init on an existing repository fails without touching it"
expect_rc 1 "$HORT" -r "$WORK/repo" init
hort -r "$WORK/repo" check >/dev/null

note "missing password source → 1 with a hint"
HORT_PASSWORD= RESTIC_PASSWORD= expect_rc 1 env -u HORT_PASSWORD -u RESTIC_PASSWORD "$HORT" -r "$WORK/repo" snapshots
grep -q "password" "$WORK/last.err" || fail "no hint about the password"

note "password from a file and from a command"
printf 'e2e-password\n' > "$WORK/pwfile"
env -u HORT_PASSWORD -u RESTIC_PASSWORD "$HORT" -r "$WORK/repo" -p "$WORK/pwfile" snapshots >/dev/null
env -u HORT_PASSWORD -u RESTIC_PASSWORD "$HORT" -r "$WORK/repo" --password-command "echo e2e-password" snapshots >/dev/null
env -u HORT_PASSWORD RESTIC_REPOSITORY="$WORK/repo" "$HORT" snapshots >/dev/null

note "unknown snapshot and bad flags → 1"
expect_rc 1 "$HORT" -r "$WORK/repo" restore deadbeef --target "$WORK/x"
expect_rc 1 "$HORT" -r "$WORK/repo" check --read-data-subset 7/3
# restic refuses these too; read as 1/2 and as "no pack" they checked less than asked, or nothing, and said so clean.
for subset in 1/2/3 0 0k 1/257; do expect_rc 1 "$HORT" -r "$WORK/repo" check --read-data-subset "$subset"; done
# Checked before the repository is opened: no password asked, no such repository needed.
expect_rc 1 env -u HORT_PASSWORD -u RESTIC_PASSWORD "$HORT" -r "$WORK/nowhere" check --read-data-subset 10q
grep -q 'invalid --read-data-subset "10q"' "$WORK/last.err" || fail "subset not checked first: $(cat "$WORK/last.err")"
# --read-data with a subset: restic refuses it; hort read only the subset and said clean.
expect_rc 1 restic -r "$WORK/repo" check --read-data --read-data-subset 1/2
want=$(cat "$WORK/last.err")
expect_rc 1 env -u HORT_PASSWORD -u RESTIC_PASSWORD "$HORT" -r "$WORK/nowhere" check --read-data --read-data-subset 1/2
[ "$(cat "$WORK/last.err")" = "$want" ] || fail "--read-data with a subset: restic '$want', hort '$(cat "$WORK/last.err")'"
expect_rc 1 "$HORT" -r "$WORK/repo" backup --compression bogus "$WORK/src"
# -o: a key no backend knows, a connection count that is no positive number, a bucket lookup style that is none,
# and a --cacert that cannot be read: one Fatal line each (hort took them all, and ran).
for flags in "-o s3.foo=bar" "-o rest.connections=0" "-o s3.connections=abc" "-o s3.connections=2000" \
             "-o s3.bucket-lookup=bogus" "--cacert $WORK/no-such-ca.pem"; do
  # shellcheck disable=SC2086  # the flags are split on purpose
  expect_rc 1 "$HORT" -r "$WORK/repo" $flags snapshots
  [ "$(wc -l <"$WORK/last.err")" = 1 ] && grep -q '^Fatal: ' "$WORK/last.err" || fail "$flags: $(cat "$WORK/last.err")"
done
grep -qx "Fatal: unable to read root certificate: open $WORK/no-such-ca.pem: No such file or directory" "$WORK/last.err" \
  || fail "--cacert: $(cat "$WORK/last.err")"
expect_rc 0 "$HORT" -r "$WORK/repo" -o s3.connections=3 -o rest.connections=2 snapshots  # restic's keys are taken
expect_rc 1 "$HORT" -r "$WORK/repo" -o s3.connections=129 snapshots
grep -qx 'Fatal: invalid value "129" for option s3.connections: at most 128 connections' "$WORK/last.err" \
  || fail "s3.connections=129: $(cat "$WORK/last.err")"
expect_rc 0 "$HORT" -r "$WORK/repo" -o s3.connections=128 snapshots
# The location from a file, and a location and a file together refused as restic does (hort took -r silently).
echo "$WORK/repo" >"$WORK/repo-location"
expect_rc 0 "$HORT" --repository-file "$WORK/repo-location" snapshots
expect_rc 0 env RESTIC_REPOSITORY_FILE="$WORK/repo-location" "$HORT" snapshots
for given in "-r $WORK/repo --repository-file $WORK/repo-location" "-r $WORK/repo --repository-file $WORK/nonexistent"; do
  # shellcheck disable=SC2086  # the flags are split on purpose
  expect_rc 1 "$HORT" $given snapshots
  grep -qx "Fatal: Options -r and --repository-file are mutually exclusive, please specify only one" "$WORK/last.err" \
    || fail "$given: $(cat "$WORK/last.err")"
done
expect_rc 1 env RESTIC_REPOSITORY_FILE="$WORK/repo-location" "$HORT" -r "$WORK/repo" snapshots
# A missing repository: restic's question, which auto-init scripts grep (hort wrote it with a small "is").
expect_rc 10 "$HORT" -r "$WORK/no-repo-here/" snapshots
grep -q "Is there a repository at the following location? $WORK/no-repo-here/\$" "$WORK/last.err" || fail "missing repo: $(cat "$WORK/last.err")"
grep -q "//config" "$WORK/last.err" && fail "doubled slash: $(cat "$WORK/last.err")"
# prune --repack-uncompressed with nothing to compress with: restic's refusals (hort repacked nothing, exit 0).
restic_init "$WORK/v1" --repository-version 1
for i in 1 2; do restic -r "$WORK/v1" backup "$WORK/src" >/dev/null 2>&1; done
# forget --prune refuses too, before it removes anything (restic 0.14's forget --prune ignores the flag there).
for flags in "-r $WORK/v1 prune --repack-uncompressed" "-r $WORK/repo --compression off prune --repack-uncompressed"; do
  # shellcheck disable=SC2086  # the flags are split on purpose
  expect_rc 1 restic $flags
  want=$(cat "$WORK/last.err")
  # shellcheck disable=SC2086
  expect_rc 1 "$HORT" $flags
  [ "$(cat "$WORK/last.err")" = "$want" ] || fail "$flags: restic '$want', hort '$(cat "$WORK/last.err")'"
done
expect_rc 1 "$HORT" -r "$WORK/v1" forget --keep-last 1 --prune --repack-uncompressed
grep -qx "Fatal: compression requires at least repository format version 2" "$WORK/last.err" || fail "forget --prune: $(cat "$WORK/last.err")"
[ "$(ls "$WORK/v1/snapshots" | wc -l)" = 2 ] || fail "forget removed a snapshot before its prune refused"
# A leading '+' where Go's number parsers take one, as restic does.
for subset in '+5%' '+.5%' '+500M' '+1/2' '++5%'; do
  restic -r "$WORK/repo" check --read-data-subset "$subset" >/dev/null 2>&1 && want=0 || want=1
  expect_rc "$want" "$HORT" -r "$WORK/repo" check --read-data-subset "$subset"
done
expect_rc 0 "$HORT" -r "$WORK/repo" backup --dry-run -q --exclude-larger-than +1M "$WORK/src"
# A folder given as a list or an exclude file: one line and exit 1, as restic ("read …: is a directory"); it
# aborted hort (--files-from*) or excluded nothing (--exclude-file, --iexclude-file).
for flag in --files-from --files-from-verbatim --files-from-raw --exclude-file --iexclude-file; do
  expect_rc 1 restic -r "$WORK/repo" backup --dry-run -q "$flag" "$WORK/src" "$WORK/src"
  expect_rc 1 "$HORT" -r "$WORK/repo" backup --dry-run -q "$flag" "$WORK/src" "$WORK/src"
  grep -q "cannot read .*$WORK/src: Is a directory" "$WORK/last.err" || fail "$flag: $(cat "$WORK/last.err")"
  one_line "$WORK/last.err"
done

note "a pattern that is no valid glob → 1, where restic refuses it (Go's filepath.Match rules)"
refused=0
for pat in '[' 'a[' '[]' '[]a]' '[^]' '[a-]' '[-a]' 'x\' 'dir/[z' '[\' '[]]' '\' \
           '[a-z]' '[\]]' '[!a]' '*.jpg' '**' 'a\*b' '[a\-z]' '[^a-c]x' '[z-a]' 'a-]' ']' '[a]]'; do
  restic -r "$WORK/repo" backup --dry-run -q --exclude "$pat" "$WORK/src" >/dev/null 2>&1 && want=0 || want=1
  refused=$((refused + want))
  expect_rc "$want" "$HORT" -r "$WORK/repo" backup --dry-run -q --exclude "$pat" "$WORK/src"
done
[ "$refused" = 12 ] || fail "restic refused $refused of the 12 bad patterns"
# A bad pattern is blamed on the flag that brought it, exclude files first, as restic does.
printf 'ok\na[\n' >"$WORK/bad-patterns"
for flags in "--exclude-file $WORK/bad-patterns" "--iexclude-file $WORK/bad-patterns" \
             "--exclude b[ --exclude-file $WORK/bad-patterns" "--exclude b[ --iexclude c["; do
  # shellcheck disable=SC2086  # the flags are split on purpose
  expect_rc 1 restic -r "$WORK/repo" backup --dry-run -q $flags "$WORK/src"
  want=$(head -1 "$WORK/last.err" | sed 's/^Fatal: //; s/:.*//')
  # shellcheck disable=SC2086
  expect_rc 1 "$HORT" -r "$WORK/repo" backup --dry-run -q $flags "$WORK/src"
  grep -q -- "^Fatal: $want: invalid pattern(s) provided" "$WORK/last.err" ||
    fail "$flags: restic blames $want, hort says $(cat "$WORK/last.err")"
done
# Include and exclude patterns together: refused, as restic 0.14 refuses them (hort applied both).
for flags in "--include a --exclude b" "--iinclude a --exclude b" "--include a --iexclude b"; do
  # shellcheck disable=SC2086  # the flags are split on purpose
  expect_rc 1 restic -r "$WORK/repo" restore latest --target "$WORK/none" $flags
  grep -qx 'Fatal: exclude and include patterns are mutually exclusive' "$WORK/last.err" || fail "restic $flags: $(cat "$WORK/last.err")"
  # shellcheck disable=SC2086
  expect_rc 1 "$HORT" -r "$WORK/repo" restore latest --target "$WORK/none" $flags
  grep -qx 'Fatal: exclude and include patterns are mutually exclusive' "$WORK/last.err" || fail "$flags: $(cat "$WORK/last.err")"
done
expect_rc 1 "$HORT" -r "$WORK/repo" restore latest --target "$WORK/none" --include '['
grep -q -- '--include: invalid pattern(s) provided: "\["' "$WORK/last.err" || fail "include not refused: $(cat "$WORK/last.err")"
[ ! -e "$WORK/none" ] || fail "restore with a bad pattern wrote its target"
expect_rc 1 "$HORT" -r "$WORK/repo" find 'a[b'
expect_rc 1 restic -r "$WORK/repo" snapshots -g bogus
want=$(cat "$WORK/last.err")
expect_rc 1 "$HORT" -r "$WORK/repo" snapshots -g bogus
[ "$(cat "$WORK/last.err")" = "$want" ] || fail "-g bogus: restic '$want', hort '$(cat "$WORK/last.err")'"
expect_rc 1 "$HORT" -r "$WORK/repo" snapshots -g hostess
# Checked for every command, not only when a lock is busy.
expect_rc 1 "$HORT" -r "$WORK/repo" --retry-lock bogus snapshots
grep -q -- '--retry-lock: invalid duration "bogus"' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"

note "prune --max-unused in restic's words, before the repository opens; a bad one aborted hort (std::stod)"
for v in abc% 5x% 1e400% 150% -5% "" 5kb 1.5k inf; do
  expect_rc 1 restic -r "$WORK/repo" prune --dry-run --max-unused "$v"
  want=$(sed -n 's/^\(Fatal: [^:]*\).*/\1/p' "$WORK/last.err" | head -1)
  expect_rc 1 "$HORT" -r "$WORK/nowhere" prune --dry-run --max-unused "$v"
  one_line "$WORK/last.err"
  grep -qF -- "$want" "$WORK/last.err" || fail "--max-unused '$v': restic '$want', hort '$(cat "$WORK/last.err")'"
done
expect_rc 0 restic -r "$WORK/repo" prune --dry-run --max-unused 100B
expect_rc 0 "$HORT" -r "$WORK/repo" prune --dry-run --max-unused 100B
expect_rc 1 restic -r "$WORK/repo" prune --dry-run --max-repack-size 1.5k --max-unused abc%
expect_rc 1 "$HORT" -r "$WORK/nowhere" prune --dry-run --max-repack-size 1.5k --max-unused abc%
grep -qx 'Fatal: invalid number of bytes "1.5k" for --max-repack-size' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
# forget checks them too, with or without --prune, as restic 0.14.
for prune in --prune ""; do
  # shellcheck disable=SC2086  # an empty flag is no argument
  expect_rc 1 "$HORT" -r "$WORK/nowhere" forget $prune --keep-last 1 --max-unused abc%
  grep -qx 'Fatal: invalid percentage "abc%" passed for --max-unused' "$WORK/last.err" || fail "forget $prune: $(cat "$WORK/last.err")"
done
# A duration number std::stoi could not hold aborted hort too.
expect_rc 1 "$HORT" -r "$WORK/repo" forget --dry-run --keep-within 99999999999d
grep -q 'number too large' "$WORK/last.err" || fail "$(cat "$WORK/last.err")"

note "unreadable source file → warning, snapshot written, exit 3"
mkdir -p "$WORK/u/src" && echo readable > "$WORK/u/src/ok.txt" && echo secret > "$WORK/u/src/locked.txt"
chmod 000 "$WORK/u/src/locked.txt"
if [ "$(id -u)" = 0 ]; then
  # root reads anything: run hort as nobody, on a repository nobody owns.
  chown -R 65534:65534 "$WORK/u" && chmod 755 "$WORK"
  as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent "$@"; }
else
  as_user() { "$@"; }
fi
as_user "$HORT" -r "$WORK/u/repo" init >/dev/null
expect_rc 3 as_user "$HORT" -r "$WORK/u/repo" backup "$WORK/u/src"
grep -q "locked.txt" "$WORK/last.err" || fail "the unreadable file was not named"
as_user "$HORT" -r "$WORK/u/repo" ls latest > "$WORK/ls.txt"
grep -q "ok.txt" "$WORK/ls.txt" || fail "snapshot lacks the readable file"
grep -q "locked.txt" "$WORK/ls.txt" && fail "snapshot contains the unreadable file"

note "a file size limit (ulimit -f) on restore and dump: each write fails with EFBIG, as in restic"
# The limit's signal, SIGXFSZ, killed hort (exit 153): no message, a stale lock, half a restore.
mkdir -p "$WORK/fsz/src"; head -c $((3 << 20)) /dev/urandom >"$WORK/fsz/src/big.bin"; echo small >"$WORK/fsz/src/small.txt"
hort -r "$WORK/fsz/repo" init >/dev/null
hort -r "$WORK/fsz/repo" backup "$WORK/fsz/src" >/dev/null
limited() { local blocks=$1; shift; bash -c 'ulimit -f "$0"; exec "$@"' "$blocks" "$@"; }
expect_rc 1 limited 1024 "$HORT" -r "$WORK/fsz/repo" restore latest --target "$WORK/fsz/out"
grep -q 'File too large' "$WORK/last.err" || fail "restore: the limit is not named: $(cat "$WORK/last.err")"
grep -q "removed .*big.bin: its content could not be restored completely" "$WORK/last.err" || fail "$(cat "$WORK/last.err")"
cmp -s "$WORK/fsz/src/small.txt" "$WORK/fsz/out$WORK/fsz/src/small.txt" || fail "restore: the small file was not restored"
[ ! -e "$WORK/fsz/out$WORK/fsz/src/big.bin" ] || fail "restore: the cut file was left"
[ -z "$(ls "$WORK/fsz/repo/locks")" ] || fail "restore left a lock"
expect_rc 1 limited 100 "$HORT" -r "$WORK/fsz/repo" dump latest "$WORK/fsz/src/big.bin"
grep -q 'File too large' "$WORK/last.err" || fail "dump: the limit is not named: $(cat "$WORK/last.err")"

note "backup of a missing path → 1, no snapshot"
before=$(ls "$WORK/repo/snapshots" | wc -l)
expect_rc 1 "$HORT" -r "$WORK/repo" backup "$WORK/no-such-path"
[ "$(ls "$WORK/repo/snapshots" | wc -l)" = "$before" ] || fail "a snapshot was written"

note "a list option takes one value per occurrence: the snapshot after it stays the snapshot"
expect_rc 1 "$HORT" -r "$WORK/repo" resources restore --include-resources pods latest --host p1
grep -qx "Fatal: no resource snapshot of host p1" "$WORK/last.err" || fail "latest read as a resource: $(cat "$WORK/last.err")"
true
