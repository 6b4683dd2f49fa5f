#!/usr/bin/env bash
# hort runbook after a small homelab-shaped run: backups of a pvc entry, a
# dump and a volume image, restore tests BT-K8-01 (files) and BT-LH-01
# (volume). The runbook, in German and English, as Markdown, names the real
# snapshot short IDs (from `hort snapshots --json`), the volume's backup
# (from `hort volumes ls --json`) and the measured restore times (from
# `hort protocol --json`) against the RTO; a test never run says so; the
# restore command it prints, run as printed, restores the tree; --service
# narrows it, an unknown service is exit 1 with one line; hort serve's
# /runbook answers with the same IDs, ?service=nope with 404.
source "$(dirname "$0")/lib.sh"
command -v mkfs.ext4 >/dev/null || fail "mkfs.ext4 is missing (Debian package e2fsprogs)"
cd "$WORK"
mkdir -p pvc/paperless-data/docs pvc/overseerr-config/db
gen_tree pvc/paperless-data/docs --small >/dev/null
for i in 1 2 3 4 5 6; do echo "row $i" >"pvc/overseerr-config/db/part$i"; done
truncate -s 8M disk.img && mkfs.ext4 -q -F disk.img
cat >hort.yaml <<YAML
work_dir: ./work
defaults: {schedule: "@daily", repository: primary}
repositories:
  primary: {url: ./repo, password_env: HORT_PASSWORD}
volume_stores:
  nas: {url: ./longhorn}
services:
  paperless:
    namespace: productivity
    classification: critical
    storage: longhorn
    rpo: 24h
    rto: 4h
    owner: alice
    files:
      - {pvc: paperless-data, source: ./pvc/paperless-data}
      - name: db
        dump: {command: "echo 'pg_dump output'", container: postgres, extension: .sql}
    volumes:
      - {image: ./disk.img, name: paperless-disk, store: nas}
  overseerr:
    namespace: media
    classification: best-effort
    storage: longhorn
    rpo: 7d
    rto: 3d
    owner: alice
    files:
      - {pvc: overseerr-config, source: ./pvc/overseerr-config}
tests:
  BT-LH-01: {type: volume, scope: paperless, every: 3mo, responsible: alice}
  BT-K8-01:
    type: files
    scope: media
    every: 3mo
    responsible: alice
    validate: {expect: [overseerr/data/overseerr-config/db/part1], min_files: 5}
  BT-DR-01: {type: dr, repositories: [primary], every: 1y, responsible: alice}
YAML
export HORT_CONFIG="$WORK/hort.yaml"
hort -r repo init -q
hort run paperless -q
hort run overseerr -q
hort test run BT-K8-01 >/dev/null
hort test run BT-LH-01 >/dev/null

short_of() { hort -r repo snapshots --json | python3 -c '
import json, sys
print([s["short_id"] for s in json.load(sys.stdin) if s["paths"] == [sys.argv[1]]][-1])' "$1"; }
measured() { hort protocol --json --test "$1" | python3 -c 'import json,sys; print("%.1f s" % json.load(sys.stdin)[-1]["restore_seconds"])'; }
PAPERLESS=$(short_of /data/paperless-data)
OVERSEERR=$(short_of /data/overseerr-config)
DUMP=$(short_of /productivity-postgres.sql)
BACKUP=$(hort volumes ls --store longhorn --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["last_backup"])')
K8=$(measured BT-K8-01)
LH=$(measured BT-LH-01)
note "snapshots $PAPERLESS $OVERSEERR $DUMP, volume backup $BACKUP, measured $K8 and $LH"

hort runbook --markdown --lang de >de.md
hort runbook --markdown --lang en >en.md
for f in de.md en.md; do
  for id in "$PAPERLESS" "$OVERSEERR" "$DUMP" "$BACKUP"; do grep -q "\`$id\`" $f || fail "$f does not name $id"; done
  grep -q "restore $PAPERLESS --target $WORK/work/runbook/paperless/paperless-data --verify" $f || fail "$f: restore command"
  grep -q "restore $PAPERLESS --to-pvc productivity/paperless-data" $f || fail "$f: in-cluster restore"
  grep -q "hort volumes restore --store $WORK/longhorn --volume paperless-disk --backup $BACKUP --to" $f ||
    fail "$f: volume restore"
  grep -q "dump $DUMP /productivity-postgres.sql" $f || fail "$f: dump command"
done
grep -q "^### Dateien verloren — \`overseerr\`" de.md || fail "German scenario heading"
grep -q "^### Volume verloren — \`paperless\`" de.md || fail "German volume heading"
grep -q "^## Cluster verloren" de.md || fail "German cluster heading"
grep -q "Zuletzt getestet am .*: bestanden, gemessene Wiederherstellungszeit \`$K8\`, innerhalb des RTO von 3d" de.md ||
  fail "German: BT-K8-01's measured time against overseerr's RTO"
grep -q "Last tested .*: pass, measured restore time \`$K8\`, within the RTO of 3d" en.md || fail "English: BT-K8-01"
grep -q "measured restore time \`$LH\`, within the RTO of 4h" en.md || fail "English: BT-LH-01"
grep -q "\`BT-DR-01\` (dr, alle 1y): nie getestet" de.md || fail "German: never tested"
grep -q "\`BT-DR-01\` (dr, every 1y): never tested" en.md || fail "English: never tested"
if grep -q "^### Namespace" en.md; then fail "no resources entries, yet a namespace scenario"; fi

note "the printed restore command restores the tree"
hort runbook --json | python3 -c '
import json, sys
rb = json.load(sys.stdin)
for s in rb["services"]:
    for sec in s["scenarios"]:
        for p in sec["points"]:
            for c in p["commands"]:
                if p["job"] == "paperless/files/paperless-data" and c["purpose"] == "restore-to-folder":
                    print("\n".join(c["lines"]))' >restore.sh
[ -s restore.sh ] || fail "no restore command in --json"
mkdir -p bin && ln -sf "$HORT" bin/hort  # the runbook says `hort`, as an operator types it
PATH="$WORK/bin:$PATH" sh restore.sh >/dev/null
treecmp pvc/paperless-data "work/runbook/paperless/paperless-data/data/paperless-data" || fail "restored tree differs"

note "--service and its errors"
hort runbook --service overseerr --lang en >one.txt
grep -q "$OVERSEERR" one.txt || fail "--service overseerr"
if grep -q "$PAPERLESS" one.txt; then fail "--service overseerr shows paperless"; fi
expect_rc 1 hort runbook --service nope
one_line "$WORK/last.err"
grep -q 'no service "nope" in .* (services: paperless, overseerr)' "$WORK/last.err" || fail "unknown service message"
expect_rc 1 hort runbook --lang fr
env LANG=de_DE.UTF-8 LC_ALL= LC_MESSAGES= "$HORT" runbook >lang.txt 2>/dev/null
grep -q "^Wiederherstellungs-Runbook" lang.txt || fail "LANG=de_DE: German by default"

note "hort serve's /runbook"
PORT=$(free_port)
"$HORT" serve --listen "127.0.0.1:$PORT" 2>serve.log &
BG_PIDS+=($!)
wait_for 20 curl -sf "http://127.0.0.1:$PORT/healthz"
curl -sf "http://127.0.0.1:$PORT/runbook?lang=de" >page.html
for id in "$PAPERLESS" "$OVERSEERR" "$DUMP" "$BACKUP"; do grep -q "<code>$id</code>" page.html || fail "/runbook does not name $id"; done
grep -q "<h3>Dateien verloren — <code>paperless</code></h3>" page.html || fail "/runbook?lang=de is not German"
curl -sf "http://127.0.0.1:$PORT/runbook?service=overseerr&lang=en" >one.html
grep -q "Files lost" one.html && ! grep -q "<code>$PAPERLESS</code>" one.html || fail "/runbook?service=overseerr"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/runbook?service=nope")" = 404 ] || fail "unknown service: 404"
curl -sf "http://127.0.0.1:$PORT/" | grep -q 'href="/runbook"' || fail "the status page links the runbook"
echo "runbook ok"
