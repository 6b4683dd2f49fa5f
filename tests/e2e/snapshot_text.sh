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
expect_rc 0 hort -r repo forget --keep-last 1 --dry-run
grep -qF "snapshots for (host [h], paths [$WORK/a, $WORK/b]):" "$WORK/last.out" || fail "forget header: $(cat "$WORK/last.out")"
echo "PASS snapshot_text"
