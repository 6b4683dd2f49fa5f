#!/usr/bin/env bash
# A file that compresses 1000:1 and has no cut points (every chunk the
# maximum 8 MiB) is backed up in bounded memory: a compressed blob holds its
# own size, not the bound zstd was given (which kept 8 MiB per blob while it
# waited to be written: 256 MiB of such data peaked above 256 MiB).
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/src"
/usr/bin/python3 - "$WORK/src/pattern.img" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    for block in range(32):  # 32 x 8 MiB, each a 16-byte pattern of its own: no cut point, no duplicate
        f.write(struct.pack("<QQ", block, 0x9E3779B97F4A7C15 ^ block) * (8 << 16))
PY
hort -r "$WORK/repo" init >/dev/null
/usr/bin/time -f "%M" -o "$WORK/rss" "$HORT" -r "$WORK/repo" backup -q --json "$WORK/src" > "$WORK/backup.json"
peak_mib=$(( $(cat "$WORK/rss") / 1024 ))
[ "$(json_field data_blobs < "$WORK/backup.json")" = 32 ] || fail "expected 32 data blobs of 8 MiB"
[ "$peak_mib" -lt 120 ] || fail "backup of 256 MiB of compressible data peaked at $peak_mib MiB (bound 120)"
hort -r "$WORK/repo" restore latest --target "$WORK/out" >/dev/null
cmp "$WORK/src/pattern.img" "$WORK/out$WORK/src/pattern.img" || fail "restored file differs"
restic -r "$WORK/repo" check --read-data >/dev/null || fail "restic check --read-data failed"
echo "ok: 256 MiB in 32 maximum-size chunks backed up at $peak_mib MiB peak"
