#!/usr/bin/env bash
# A Longhorn backupstore written by an independent generator (tests/volumes,
# Go's cfg layout, gzip and lz4 blocks, one volume mixing both, 16 MiB blocks,
# a stored all-zero block as Longhorn writes one)
# is listed, verified and restored exactly by hort; hort's own backup into the
# same store passes the same checks, and forget keeps volume.cfg's unknown keys.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
$PY -c 'import lz4.frame' 2>/dev/null || fail "python3-lz4 is missing (./run installs it)"
STORE="$WORK/store"
$PY "$E2E_DIR/../volumes/gen_longhorn_store.py" "$STORE" "$WORK/images"

note "ls lists every volume and backup"
hort volumes ls --store "vfs://$STORE" --json >"$WORK/ls.json"
$PY - "$WORK/ls.json" "$WORK/images/manifest.json" <<'PY'
import json, sys
ls = {v["name"]: v for v in json.load(open(sys.argv[1]))}
manifest = json.load(open(sys.argv[2]))
assert sorted(ls) == sorted(manifest), (sorted(ls), sorted(manifest))
for name, backups in manifest.items():
    assert [b["name"] for b in ls[name]["backups"]] == backups, name
    assert ls[name]["last_backup"] == backups[-1], name
assert ls["lh-gzip"]["compression"] == "", ls["lh-gzip"]["compression"]
assert ls["lh-large"]["backups"][0]["block_size"] == 16 << 20
PY

note "Longhorn stores a block written with zeros (lh-lz4, lh-mixed at offset 10 MiB)"
ZERO=731859029215873fdac1c9f2f8bd25a334abf0f3a9e1b057cf2cacc2826d86b0
for v in lh-lz4 lh-mixed; do
  ls "$STORE"/backupstore/volumes/*/*/$v/blocks/73/18/$ZERO.blk >/dev/null || fail "$v: the generator stored no zero block"
  grep -q "\"Offset\":10485760,\"BlockChecksum\":\"$ZERO\"" "$STORE"/backupstore/volumes/*/*/$v/backups/*.cfg ||
    fail "$v: no backup maps the zero block"
done

note "verify --read-data: every block of every codec"
hort volumes verify --store "$STORE" --read-data >"$WORK/verify.out" || { cat "$WORK/verify.out"; fail "verify found problems"; }
[ "$(grep -c ' ok ' "$WORK/verify.out")" = 8 ] || fail "expected 8 backups ok"

note "every backup restores exactly"
for v in lh-gzip lh-lz4 lh-mixed lh-large; do
  for b in $($PY -c "import json,sys; print(' '.join(json.load(open(sys.argv[1]))[sys.argv[2]]))" "$WORK/images/manifest.json" $v); do
    rm -f "$WORK/out.img"
    hort volumes restore --store "$STORE" --volume $v --backup $b --to "$WORK/out.img" >/dev/null
    cmp "$WORK/out.img" "$WORK/images/${v}_$b.img" || fail "$v $b restored differently"
  done
done

note "hort backs up onto Longhorn's gzip volume: gzip blocks, Longhorn's previous backup as base"
cp "$WORK/images/lh-gzip_$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['lh-gzip'][-1])" "$WORK/images/manifest.json").img" "$WORK/src.img"
printf 'changed by hort' | dd of="$WORK/src.img" bs=1 seek=$((5 << 20)) conv=notrunc status=none
hort volumes backup "$WORK/src.img" --store "$STORE" --volume lh-gzip --json >"$WORK/b.json"
[ "$(json_field incremental <"$WORK/b.json")" = True ] || fail "not incremental on Longhorn's last backup"
[ "$(json_field blocks_new <"$WORK/b.json")" = 1 ] || fail "expected exactly one new block"
[ "$(json_field compression <"$WORK/b.json")" = gzip ] || fail "the volume's codec was not kept"
hort volumes verify --store "$STORE" --volume lh-gzip --read-data >/dev/null
rm -f "$WORK/out.img"
hort volumes restore --store "$STORE" --volume lh-gzip --to "$WORK/out.img" >/dev/null
cmp "$WORK/out.img" "$WORK/src.img" || fail "hort's backup on Longhorn's volume restored differently"

note "forget rewrites volume.cfg and keeps the keys it does not know"
hort volumes forget --store "$STORE" --volume lh-lz4 --keep-last 1 >/dev/null
grep -q '"LinkedCloneSourceVolume":"\\"\\""' "$STORE"/backupstore/volumes/*/*/lh-lz4/volume.cfg || fail "unknown key lost"
hort volumes verify --store "$STORE" --volume lh-lz4 --read-data >/dev/null
echo "PASS"
