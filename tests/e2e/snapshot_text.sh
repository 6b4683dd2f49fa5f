#!/usr/bin/env bash
# Issue #23 item 8, the text restic users read: snapshot times in the
# viewer's time zone (a snapshot written under Europe/Berlin, as a daemon
# whose catalog names that zone writes it, reads the same minute as in
# restic for a viewer in UTC or New York); forget's group header and
# restore's title name every path of a multi-path snapshot, as restic's do.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir -p a b
echo 1 >a/f; echo 2 >b/g
hort init -r repo -q
TZ=Europe/Berlin hort -r repo backup -q --host h a b
id=$(hort -r repo snapshots --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["short_id"])')

note "snapshot times in the viewer's zone, as restic shows them"
for zone in UTC America/New_York Europe/Berlin; do
  want=$(TZ=$zone restic -r repo snapshots | awk -v id="$id" '$1 == id {print $2, $3}')
  got=$(TZ=$zone hort -r repo snapshots | awk -v id="$id" '$1 == id {print $2, $3}')
  [ -n "$want" ] && [ "$want" = "$got" ] || fail "TZ=$zone: restic shows '$want', hort '$got'"
  note "TZ=$zone: $got"
done
utc=$(TZ=UTC hort -r repo snapshots | awk -v id="$id" '$1 == id {print $3}')
berlin=$(TZ=Europe/Berlin hort -r repo snapshots | awk -v id="$id" '$1 == id {print $3}')
[ "$utc" != "$berlin" ] || fail "UTC and Berlin viewers see the same clock time $utc: the zone is ignored"

note "restore's title names every path, as restic's"
expect_rc 0 hort -r repo restore latest --target r
grep -qF "restoring <Snapshot $id of [$WORK/a $WORK/b] at " "$WORK/last.out" || fail "restore title: $(head -1 "$WORK/last.out")"
restic -r repo restore latest --target r2 | head -1 | grep -qF "of [$WORK/a $WORK/b] at " || fail "restic's title differs from what this test expects"

note "forget's group header names every path"
hort -r repo backup -q --host h a b
expect_rc 0 hort -r repo forget --keep-last 1 --dry-run -v
grep -qF "snapshots for (host [h], paths [$WORK/a, $WORK/b]):" "$WORK/last.out" || fail "forget header: $(cat "$WORK/last.out")"

note "snapshots and forget print restic's text, byte for byte"
# hort's tables had fixed widths, no Paths column in forget, its own "would have removed N snapshots", no
# "Applying Policy" line, the group header without -v, and "0 snapshots" where restic prints nothing.
hort -r repo backup -q --host h --tag t1 --tag longer-tag-name a
hort -r repo backup -q --host a-much-longer-hostname b
# Groups come in the order of a Go map in restic (random): the "snapshots for (…)" blocks are compared sorted
# (a group without a header, as untagged snapshots under -g tags, could not be told apart: not compared).
blocks() {
  python3 -c '
import re, sys
text = sys.stdin.read()
tail = ""
if "Would have removed" in text:
    text, tail = text.split("Would have removed", 1)
parts = re.split(r"(?m)^(?=snapshots for \()", text)
sys.stdout.write(parts[0] + "".join(sorted(parts[1:])) + ("Would have removed" + tail if tail else ""))'
}
same_text() {
  local rrc=0 hrc=0
  restic -r repo "$@" >r.raw 2>&1 || rrc=$?
  hort -r repo "$@" >h.raw 2>&1 || hrc=$?
  [ "$rrc" = "$hrc" ] || fail "$*: restic exits $rrc, hort $hrc"
  blocks <r.raw >r.txt; blocks <h.raw >h.txt
  diff r.txt h.txt >d.txt || { cat d.txt >&2; fail "$* differs from restic"; }
}
same_text snapshots
same_text snapshots -c
same_text snapshots -g host
same_text snapshots --host nobody
# -v names each group, so that several groups can be told apart; --host h alone makes one group per path set.
for flags in "--host h -g host --keep-last 1" "-v --keep-last 1" "-v -c --keep-last 1" \
             "-v --keep-daily 2 --keep-weekly 3 --keep-tag t1 --keep-tag a,b" \
             "-v --keep-within 1y2m3d --keep-within-daily 5d --keep-hourly 1 --keep-monthly 1 --keep-yearly 1" \
             "-v --keep-within-hourly 2h --keep-within-weekly 1m --keep-within-monthly 1y --keep-within-yearly 3y" \
             "-g host -v --keep-last 2 --keep-tag t1"; do
  # shellcheck disable=SC2086  # the flags are split on purpose
  same_text forget --dry-run $flags
done
echo "PASS snapshot_text"
