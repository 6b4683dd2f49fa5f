#!/usr/bin/env bash
# Issue #25, defect 5: lengths from the index and from pack headers size no
# allocation. Each damaged repository is read by hort under a 1 GiB
# address-space limit, where an allocation of the 2-4 GiB these lengths
# claim fails (before the fix: restore grew past 4 GiB, check and restore
# allocated 2.1 GB for one tree, check --read-data 4.2 GB for a 5 KB blob).
# The damaged blob is named as corruption; beside a damaged data blob every
# other file is restored (a damaged tree still stops the restore: restorer.cc).
source "$(dirname "$0")/lib.sh"
: "${HORT_FIXTURE:?HORT_FIXTURE must point at the hort-fixture binary}"
limited() { memory_limited "$@"; }  # lib.sh: prlimit, or ASan's bound

mkdir -p "$WORK/src/sub"
seq 1 2000 > "$WORK/numbers"  # not piped into head: seq would die of SIGPIPE under pipefail (a rare failure)
head -c 5000 "$WORK/numbers" > "$WORK/src/small.txt"  # one compressed 5 KB blob
head -c 2000000 /dev/urandom > "$WORK/src/a.bin"
seq 1 200000 > "$WORK/src/sub/b.txt"
hort -r "$WORK/repo" init >/dev/null
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null
small=$(sha256sum "$WORK/src/small.txt" | cut -c1-64)
fresh() { rm -rf "$WORK/r" "$WORK/out"; cp -a "$WORK/repo" "$WORK/r"; }

note "an index length of 2^32-1: the blob fails, the other files restore"
fresh
"$HORT_FIXTURE" index-entry "$WORK/r" "$small" length 4294967295
expect_rc 1 limited "$HORT" -r "$WORK/r" restore latest --target "$WORK/out"
grep -q "blob ${small:0:8}.*beyond the end of the pack" "$WORK/last.err" || { cat "$WORK/last.err"; fail "restore did not name the blob beyond the end of its pack"; }
cmp "$WORK/src/a.bin" "$WORK/out$WORK/src/a.bin" || fail "a.bin not restored"
cmp "$WORK/src/sub/b.txt" "$WORK/out$WORK/src/sub/b.txt" || fail "sub/b.txt not restored"
[ ! -e "$WORK/out$WORK/src/small.txt" ] || fail "the damaged file was left behind"
# check finds the entry beyond the end of its pack and names the pack and the blob.
expect_rc 1 limited "$HORT" -r "$WORK/r" check --read-data
grep -q "than the index says (blob $small ends at byte" "$WORK/last.err" || { cat "$WORK/last.err"; fail "check did not report the index entry"; }

note "an index uncompressed_length of 2^31-1 on a tree blob"
fresh
tree=$("$HORT_FIXTURE" subtree "$WORK/r" "$WORK/src/sub")
"$HORT_FIXTURE" index-entry "$WORK/r" "$tree" uncompressed_length 2147483647
expect_rc 1 limited "$HORT" -r "$WORK/r" check
grep -q "${tree:0:8}.*impossible for" "$WORK/last.err" || { cat "$WORK/last.err"; fail "check did not name the tree blob"; }
expect_rc 1 limited "$HORT" -r "$WORK/r" restore latest --target "$WORK/out"
grep -q "${tree:0:8}.*impossible for" "$WORK/last.err" || { cat "$WORK/last.err"; fail "restore did not name the tree blob"; }

note "a pack header's uncompressed_length of 2^32-1 for a 5 KB blob"
fresh
"$HORT_FIXTURE" header-entry "$WORK/r" "$small" uncompressed_length 4294967295
expect_rc 1 limited "$HORT" -r "$WORK/r" check --read-data
grep -q "blob ${small}: zstd: a declared size of 4294967295 bytes is impossible for" "$WORK/last.err" ||
  { cat "$WORK/last.err"; fail "check --read-data did not name the blob"; }
# The index keeps the true lengths: restore reads the blob as it is.
expect_rc 0 limited "$HORT" -r "$WORK/r" restore latest --target "$WORK/out"
cmp "$WORK/src/small.txt" "$WORK/out$WORK/src/small.txt" || fail "small.txt not restored"
echo PASS
