#!/usr/bin/env bash
# Issue #23 item 2: command-line errors as one Fatal line, help, and restic's
# remaining commands (list, recover, migrate, cache, generate, mount), each
# side by side with restic 0.14 on the same repository.
source "$(dirname "$0")/lib.sh"

one_fatal_line() {  # the last command's stderr is exactly one line starting with Fatal:
  [ "$(wc -l <"$WORK/last.err")" = 1 ] || { cat "$WORK/last.err" >&2; fail "expected one line on stderr"; }
  grep -q '^Fatal: ' "$WORK/last.err" || { cat "$WORK/last.err" >&2; fail "the line does not start with Fatal:"; }
}

note "an unknown command: one Fatal line naming the nearest command; restic exits 1 too"
expect_rc 1 "$HORT" bakup
one_fatal_line
grep -q 'unknown command "bakup" for "hort". Did you mean this? backup' "$WORK/last.err" || fail "no suggestion: $(cat "$WORK/last.err")"
expect_rc 1 restic bakup
grep -q 'Did you mean this?' "$WORK/last.err" || fail "restic's text changed"
expect_rc 1 "$HORT" -r "$WORK/x" --json snapshotz
one_fatal_line
grep -q 'snapshots' "$WORK/last.err" || fail "snapshotz did not suggest snapshots"
expect_rc 1 "$HORT" help bakup
one_fatal_line

note "an unknown subcommand of a group: the same line naming the group; a group alone names its subcommands"
for args in "volumes verfy:verify:hort volumes" "kube chek:check:hort kube" "test rn:run:hort test" \
            "resources backp:backup:hort resources" "config chek:check:hort config" "help volumes verfy:verify:hort volumes"; do
  IFS=: read -r words want parent <<<"$args"
  # shellcheck disable=SC2086  # the words are split on purpose
  expect_rc 1 "$HORT" $words
  one_fatal_line
  typed=${words##* }
  grep -qF "unknown command \"$typed\" for \"$parent\". Did you mean this? $want" "$WORK/last.err" \
    || fail "$words: $(cat "$WORK/last.err")"
done
expect_rc 1 "$HORT" volumes
one_fatal_line
grep -qF 'missing command for "hort volumes": one of backup, restore, verify' "$WORK/last.err" || fail "volumes alone: $(cat "$WORK/last.err")"
expect_rc 0 "$HORT" help volumes verify
grep -q '^Usage: hort volumes verify' "$WORK/last.out" || fail "help volumes verify: $(head -3 "$WORK/last.out")"
grep -q -- '--read-data-subset' "$WORK/last.out" || fail "help volumes verify lists no flags"
expect_rc 0 "$HORT" volumes verify --help
grep -q '^Usage: hort volumes verify' "$WORK/last.out" || fail "volumes verify --help: $(head -3 "$WORK/last.out")"

note "hort alone and hort help [COMMAND] print help naming hort, exit 0 (restic: 0)"
expect_rc 0 "$HORT"
grep -q '^Usage: hort ' "$WORK/last.out" || fail "usage line: $(head -3 "$WORK/last.out")"
grep -q 'recover' "$WORK/last.out" || fail "the command list lacks recover"
expect_rc 0 restic
expect_rc 0 "$HORT" help backup
grep -q '^Usage: hort backup' "$WORK/last.out" || fail "help backup: $(head -3 "$WORK/last.out")"
grep -q -- '--exclude' "$WORK/last.out" || fail "help backup lists no flags"
expect_rc 0 "$HORT" snapshots --help
grep -q '^Usage: hort snapshots' "$WORK/last.out" || fail "snapshots --help"
grep -q "$HORT" "$WORK/last.out" && fail "help names the build path"

note "parse errors (CLI11's) are one Fatal line too; restic exits 1 for them"
expect_rc 1 "$HORT" backup --bogus
one_fatal_line
expect_rc 1 restic backup --bogus
expect_rc 1 "$HORT" -r "$WORK/x" forget --keep-last notanumber
one_fatal_line
expect_rc 1 "$HORT" --limit-upload
one_fatal_line

note "mount: not supported, one line pointing at restore and dump (restic: mount needs a mountpoint, exit 1)"
expect_rc 1 "$HORT" mount "$WORK/mnt"
one_fatal_line
grep -q 'restore' "$WORK/last.err" && grep -q 'dump' "$WORK/last.err" || fail "mount does not point at restore/dump"

note "list: the same IDs as restic's for every type"
gen_tree "$WORK/src" --small
restic_init "$WORK/repo"
restic -r "$WORK/repo" backup "$WORK/src" >/dev/null 2>&1
hort -r "$WORK/repo" backup "$WORK/src/a" >/dev/null
for t in blobs packs index snapshots keys locks; do
  hort -r "$WORK/repo" list "$t" | sort >"$WORK/h.$t"
  restic -r "$WORK/repo" list "$t" | sort >"$WORK/r.$t"
  cmp -s "$WORK/h.$t" "$WORK/r.$t" || { diff "$WORK/h.$t" "$WORK/r.$t" | head >&2; fail "list $t differs from restic"; }
done
[ "$(wc -l <"$WORK/h.snapshots")" = 2 ] || fail "expected 2 snapshots"
grep -q '^tree ' "$WORK/h.blobs" && grep -q '^data ' "$WORK/h.blobs" || fail "list blobs lacks a type"
expect_rc 1 "$HORT" -r "$WORK/repo" list
one_fatal_line
expect_rc 1 "$HORT" -r "$WORK/repo" list bogus
one_fatal_line

note "cat config, masterkey, key and snapshot: restic's text, keys in restic's order (hort sorted them)"
for what in config masterkey "key $(restic -r "$WORK/repo" list keys | head -n 1)" \
            "snapshot $(hort -r "$WORK/repo" snapshots --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"; do
  # (restic's own snapshot, the first: restic 0.14 drops the fields it does not know from hort's, summary and program_version)
  # shellcheck disable=SC2086  # the type and ID are split on purpose
  restic -r "$WORK/repo" cat $what >"$WORK/r.cat"
  # shellcheck disable=SC2086
  hort -r "$WORK/repo" cat $what >"$WORK/h.cat"
  diff "$WORK/r.cat" "$WORK/h.cat" >&2 || fail "cat $what differs from restic"
done

note "forget with no policy (--keep-last 0 is how scripts say unset): restic's note, exit 0, nothing removed"
for flags in "" "--keep-last 0" "--keep-within 0d --prune"; do
  # shellcheck disable=SC2086  # the flags are split on purpose
  expect_rc 0 restic -r "$WORK/repo" forget $flags
  want=$(cat "$WORK/last.out")
  # shellcheck disable=SC2086
  expect_rc 0 "$HORT" -r "$WORK/repo" forget $flags
  [ "$(cat "$WORK/last.out")" = "$want" ] || fail "forget $flags: restic '$want', hort '$(cat "$WORK/last.out")'"
done
[ "$(hort -r "$WORK/repo" list snapshots | wc -l)" = 2 ] || fail "forget without a policy removed a snapshot"

note "forget refusing to empty a group prints no other group's table first, removes nothing"
cp -a "$WORK/repo" "$WORK/repo-kt"
hort -r "$WORK/repo-kt" tag --add keepme --path "$WORK/src" >/dev/null  # the group sorted first keeps its snapshot
expect_rc 1 "$HORT" -r "$WORK/repo-kt" forget --keep-tag keepme
one_fatal_line
grep -qF "refusing to remove every snapshot of the group (host [$(hostname)], paths [$WORK/src/a]); use --unsafe-allow-remove-all" "$WORK/last.err" || fail "forget: $(cat "$WORK/last.err")"
! grep -q "snapshots:" "$WORK/last.out" || fail "forget printed tables before refusing: $(cat "$WORK/last.out")"
[ "$(hort -r "$WORK/repo-kt" list snapshots | wc -l)" = 2 ] || fail "the refused forget removed a snapshot"

note "recover: a snapshot of the trees whose snapshot was forgotten; restic sees and restores it"
cp -a "$WORK/repo" "$WORK/repo-r"
first=$(restic -r "$WORK/repo" snapshots --json | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin), key=lambda s: s["time"])[0]["id"])')
restic -r "$WORK/repo" forget "$first" >/dev/null 2>&1
restic -r "$WORK/repo-r" forget "$first" >/dev/null 2>&1
hort -r "$WORK/repo" recover >"$WORK/recover.out"
restic -r "$WORK/repo-r" recover >"$WORK/recover-r.out" 2>&1
grep -q 'found 1 unreferenced roots' "$WORK/recover.out" || fail "hort recover: $(cat "$WORK/recover.out")"
grep -q 'found 1 unreferenced roots' "$WORK/recover-r.out" || fail "restic recover: $(cat "$WORK/recover-r.out")"
restic -r "$WORK/repo" check >/dev/null 2>&1 || fail "restic check after hort recover"
rec=$(restic -r "$WORK/repo" snapshots --json --tag recovered | python3 -c 'import json,sys; s=json.load(sys.stdin); assert len(s)==1 and s[0]["paths"]==["/recover"]; print(s[0]["id"])')
restic -r "$WORK/repo" restore "$rec" --target "$WORK/restored-r" >/dev/null 2>&1 || fail "restic cannot restore the recovered snapshot"
# Compared after hort's restore: restic 0.14 does not restore sparse files as sparse.
hort -r "$WORK/repo" restore "$rec" --target "$WORK/restored" >/dev/null
restored_src=$(find "$WORK/restored" -type d -name src | head -1)
[ -n "$restored_src" ] || fail "the recovered tree does not hold the backed-up folder"
treecmp "$WORK/src" "$restored_src" >/dev/null || fail "recovered files differ from the source"
hort -r "$WORK/repo" recover | grep -q 'found 0 unreferenced roots' || fail "a second recover found roots again"

note "migrate upgrade_repo_v2: a restic v1 repository becomes v2; restic checks it clean"
restic_init "$WORK/v1" --repository-version 1
restic -r "$WORK/v1" backup "$WORK/src/a" >/dev/null 2>&1
hort -r "$WORK/v1" migrate | grep -q 'upgrade_repo_v2' || fail "migrate does not list upgrade_repo_v2"
hort -r "$WORK/v1" migrate upgrade_repo_v2 >"$WORK/mig.out" || fail "migrate failed: $(cat "$WORK/mig.out")"
grep -q 'migration upgrade_repo_v2: success' "$WORK/mig.out" || fail "no success line"
[ "$(restic -r "$WORK/v1" cat config | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')" = 2 ] || fail "config is not version 2"
restic -r "$WORK/v1" check --read-data >/dev/null 2>&1 || fail "restic check after migrate"
restic -r "$WORK/v1" backup "$WORK/src" >/dev/null 2>&1 || fail "restic backup after migrate"
hort -r "$WORK/v1" migrate | grep -q 'no migrations found' || fail "migrate still offers the upgrade"
note "migrate on a v2 repository: hort refuses (exit 1), restic warns and exits 0 (documented deviation)"
expect_rc 1 "$HORT" -r "$WORK/v1" migrate upgrade_repo_v2
one_fatal_line
expect_rc 0 restic -r "$WORK/v1" migrate upgrade_repo_v2
expect_rc 1 "$HORT" -r "$WORK/v1" migrate no_such_migration
one_fatal_line

note "cache: lists the cache folders, --cleanup removes the old ones only"
base="$WORK/hort-cache"
mkdir -p "$base/0123456789abcdef" "$base/fedcba9876543210" "$base/volumes"
head -c 3000 /dev/zero >"$base/0123456789abcdef/f"
touch -d '40 days ago' "$base/0123456789abcdef"
hort --cache-dir "$base" cache >"$WORK/cache.out"
grep -q '0123456789 .*40 days ago.*yes' "$WORK/cache.out" || fail "old cache not listed: $(cat "$WORK/cache.out")"
grep -q "2 cache dirs in $base" "$WORK/cache.out" || fail "count line: $(cat "$WORK/cache.out")"
hort --cache-dir "$base" cache --no-size | grep -q 'Size' && fail "--no-size still shows sizes"
hort --cache-dir "$base" cache --cleanup >/dev/null
[ ! -e "$base/0123456789abcdef" ] && [ -d "$base/fedcba9876543210" ] && [ -d "$base/volumes" ] || fail "--cleanup removed the wrong folders"
expect_rc 1 "$HORT" --no-cache cache
one_fatal_line
HORT_CACHE_DIR= RESTIC_CACHE_DIR="$WORK/rc" hort cache | grep -q "basedir is $WORK/rc" || fail "RESTIC_CACHE_DIR not used"

note "generate: man pages and completions; bash sources the completion and completes commands"
hort generate --man "$WORK/man" --bash-completion "$WORK/hort.bash" --zsh-completion "$WORK/_hort" --fish-completion "$WORK/hort.fish" 2>/dev/null
[ -f "$WORK/man/hort.1" ] && [ -f "$WORK/man/hort-backup.1" ] && [ -f "$WORK/man/hort-recover.1" ] || fail "man pages missing"
groff -man -Tutf8 -ww -P-cbou "$WORK/man/hort-backup.1" >"$WORK/man.txt" 2>"$WORK/groff.err" || fail "groff cannot render the man page"
[ ! -s "$WORK/groff.err" ] || fail "groff warnings: $(head -3 "$WORK/groff.err")"
grep -q -- '--exclude' "$WORK/man.txt" || fail "man page lacks backup's flags"
got=$(bash -c 'source "$1"; COMP_WORDS=(hort bac); COMP_CWORD=1; _hort; echo "${COMPREPLY[*]}"' _ "$WORK/hort.bash")
[ "$got" = backup ] || fail "bash completion of 'bac': '$got'"
got=$(bash -c 'source "$1"; COMP_WORDS=(hort -r /x backup --exclude-i); COMP_CWORD=4; _hort; echo "${COMPREPLY[*]}"' _ "$WORK/hort.bash")
[ "$got" = --exclude-if-present ] || fail "bash completion of backup --exclude-i: '$got'"
hort generate --bash-completion - | bash -n || fail "bash completion on stdout is not valid bash"
if command -v zsh >/dev/null; then zsh -n "$WORK/_hort" || fail "zsh completion does not parse"; fi
if command -v fish >/dev/null; then fish -n "$WORK/hort.fish" || fail "fish completion does not parse"; fi
grep -q "__fish_use_subcommand' -a 'backup'" "$WORK/hort.fish" || fail "fish completion lacks backup"

echo "PASS restic_commands"
