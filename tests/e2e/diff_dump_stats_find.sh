#!/usr/bin/env bash
# diff, dump, stats and find agree with restic on the same repository.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
gen_tree src --small
hort -r repo init >/dev/null
"$HORT_FIXTURE" cheap-key repo || fail "hort-fixture cheap-key failed"  # restic opens it many times
hort -r repo backup src >/dev/null
echo changed >> src/a/b/file01.txt
rm src/empty
echo new > src/a/newfile
hort -r repo backup src >/dev/null
a=$(hort -r repo snapshots --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
b=$(hort -r repo snapshots --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[1]["id"])')

note "diff: the same added/removed/modified paths as restic"
restic -r repo diff "$a" "$b" | grep -E '^[-+MT] ' | sort > restic.diff
hort -r repo diff "$a" "$b" | grep -E '^[-+MT] ' | sort > hort.diff
[ -s hort.diff ] || fail "hort diff found nothing"
diff restic.diff hort.diff || fail "diff output differs from restic"
note "diff with one snapshot or three: restic's words, not a flag parser's"
for args in "latest" "$a $b latest"; do
  for tool in restic "$HORT"; do
    # shellcheck disable=SC2086
    expect_rc 1 "$tool" -r repo diff $args
    grep -qx "Fatal: specify two snapshot IDs" "$WORK/last.err" || fail "$tool diff $args: $(cat "$WORK/last.err")"
  done
done

note "diff --json with a name that is not UTF-8: valid JSON (U+FFFD, as restic), no crash"
printf 'x' > "$(printf 'src/name-\xff\xfe')"
hort -r repo backup src >/dev/null
c=$(hort -r repo snapshots --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')
hort -r repo diff "$b" "$c" --json > diff.json || fail "diff --json failed on a non-UTF-8 name"
python3 -c 'import json,sys; ch=[json.loads(l) for l in open("diff.json") if l.strip()]; assert any(c.get("path","").startswith("/src/name-\ufffd") for c in ch), ch' ||
  fail "diff --json did not carry the non-UTF-8 name as U+FFFD"
note "dump of a directory holding that name: the whole tar, the name as its bytes (restic's dump keeps it too)"
hort -r repo dump "$c" /src > odd.tar || fail "dump stopped at a name that is not UTF-8"
mkdir -p odd-h odd-r && tar -xf odd.tar -C odd-h 2>/dev/null  # GNU tar warns about hdrcharset, then extracts
[ "$(cat "$(printf 'odd-h/src/name-\xff\xfe')")" = x ] || fail "the non-UTF-8 name is missing from hort's tar"
restic -r repo dump "$c" /src > odd-restic.tar && tar -xf odd-restic.tar -C odd-r
cmp "$(printf 'odd-h/src/name-\xff\xfe')" "$(printf 'odd-r/src/name-\xff\xfe')" || fail "hort's and restic's tar differ on the non-UTF-8 name"
note "dump: a fifo and a device node go into the tar as they are (restic 0.14 writes empty regular files)"
[ -p odd-h/src/fifo ] || fail "the fifo is not a fifo in hort's tar: $(tar -tvf odd.tar src/fifo 2>&1)"
if [ -e src/chardev ]; then  # made when the test runs as root
  [ -c odd-h/src/chardev ] || fail "the char device is not one in hort's tar: $(tar -tvf odd.tar src/chardev 2>&1)"
  [ "$(stat -c %t,%T odd-h/src/chardev)" = "$(stat -c %t,%T src/chardev)" ] || fail "the char device's number changed"
fi
hort -r repo dump -a zip "$c" /src > odd.zip || fail "a zip dump stopped at a fifo"
python3 -c 'import sys, zipfile; n = zipfile.ZipFile(sys.argv[1]).namelist(); assert "src/fifo" not in n and "src/big.bin" in n, n' odd.zip ||
  fail "a zip, which has no fifo type, holds the fifo or misses a file"
rm "$(printf 'src/name-\xff\xfe')"

note "dump: a file as-is, a directory as tar"
hort -r repo dump latest /src/a/b/file01.txt > dumped.txt
cmp dumped.txt src/a/b/file01.txt || fail "dumped file differs"
hort -r repo dump latest /src/a > a.tar
mkdir -p untar && tar -xf a.tar -C untar
diff -r src/a untar/src/a || fail "dumped tar differs from the source directory"
restic -r repo dump latest /src/a > restic-a.tar
mkdir -p untar2 && tar -xf restic-a.tar -C untar2
diff -r untar untar2 || fail "hort's tar and restic's tar hold different content"

note "dump: xattrs go into the tar as restic's (SCHILY.xattr.*); a UTF-8 name in a zip carries the UTF-8 flag"
mkdir -p xa/sub; echo x >xa/f; printf 'y' >"$(printf 'xa/\xc3\xbcn\xc3\xaf')"
# user.* where the file system takes it, trusted.* (root) where it does not (tmpfs before Linux 6.6).
ns=user; setfattr -n user.foo -v bar xa/f 2>/dev/null || ns=trusted
setfattr -n "$ns.foo" -v bar xa/f; setfattr -n "$ns.empty" xa/sub
hort -r repo backup xa >/dev/null
hort -r repo dump latest /xa >xa-h.tar; restic -r repo dump latest /xa >xa-r.tar
schily() { python3 -c 'import sys, tarfile; print(sorted((m.name, k, v) for m in tarfile.open(sys.argv[1]) for k, v in m.pax_headers.items() if "xattr" in k))' "$1"; }
[ "$(schily xa-h.tar)" = "$(schily xa-r.tar)" ] || fail "tar xattrs: hort $(schily xa-h.tar), restic $(schily xa-r.tar)"
schily xa-h.tar | grep -q "$ns.foo" || fail "no xattr in hort's tar: $(schily xa-h.tar)"
hort -r repo dump -a zip latest /xa >xa-h.zip; restic -r repo dump -a zip latest /xa >xa-r.zip
flagged() { python3 -c 'import sys, zipfile; print(sorted(i.filename for i in zipfile.ZipFile(sys.argv[1]).infolist() if i.flag_bits & 0x800))' "$1"; }
[ "$(flagged xa-h.zip)" = "$(flagged xa-r.zip)" ] || fail "zip UTF-8 flags: hort $(flagged xa-h.zip), restic $(flagged xa-r.zip)"
flagged xa-h.zip | grep -q 'xa/' || fail "the UTF-8 name is not flagged in hort's zip"

note "stats: the same numbers as restic in every mode"
for mode in restore-size files-by-contents raw-data; do
  h=$(hort -r repo stats --mode "$mode" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total_size"], d.get("total_file_count", 0) if "'$mode'" != "raw-data" else d["total_blob_count"])')
  r=$(restic -r repo stats --mode "$mode" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total_size"], d.get("total_file_count", 0) if "'$mode'" != "raw-data" else d["total_blob_count"])')
  [ "$h" = "$r" ] || fail "stats --mode $mode: hort '$h', restic '$r'"
done

note "find: the same matches as restic"
restic -r repo find '*.txt' 'file0?' --json | python3 -c 'import json,sys; print("\n".join(sorted(s["snapshot"][:8]+m["path"] for s in json.load(sys.stdin) for m in s["matches"])))' > restic.find
hort -r repo find '*.txt' 'file0?' --json | python3 -c 'import json,sys; print("\n".join(sorted(s["snapshot"][:8]+m["path"] for s in json.load(sys.stdin) for m in s["matches"])))' > hort.find
[ -s hort.find ] || fail "hort find found nothing"
diff restic.find hort.find || fail "find differs from restic"
