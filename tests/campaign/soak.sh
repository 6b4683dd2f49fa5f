#!/usr/bin/env bash
# `./run soak` (issue #25): the reliability campaigns at scale, with the same
# scripts as their short runs in `./run test`:
#   crash matrix  HORT_SOAK_KILLS (100) SIGKILLs each of backup, prune, copy, serve
#                 (HORT_SOAK_JOBS=4 runs the four operations at once; default 1)
#   bit flips     HORT_BITFLIP_FLIPS (100) flips per repository file type
#   concurrency   tests/e2e/concurrency.sh HORT_SOAK_ROUNDS (10) times, disk_full.sh once
#   malicious     tests/campaign/malicious.py with the 200,000-entry tree
# then prints one table. Seeded by HORT_CAMPAIGN_SEED (printed). Exit 1 when
# any part failed. HORT_SOAK_PARTS picks parts (default "matrix bitflip
# concurrency malicious"); the table reads every part's result in OUTDIR.
# With HORT_FIXTURE set (./run soak sets it), the campaigns' repositories get
# the test KDF after `hort init` (campaign.py init_repo).
# Usage: soak.sh HORT OUTDIR
set -uo pipefail
HORT=$(realpath "$1"); OUT=$(realpath -m "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
export HORT HORT_PASSWORD=soak-password RESTIC_PASSWORD=soak-password
export HORT_SOAK_KILLS=${HORT_SOAK_KILLS:-100} HORT_BITFLIP_FLIPS=${HORT_BITFLIP_FLIPS:-100}
export HORT_CAMPAIGN_SEED=${HORT_CAMPAIGN_SEED:-$RANDOM$RANDOM}
ROUNDS=${HORT_SOAK_ROUNDS:-10}
PARTS=" ${HORT_SOAK_PARTS:-matrix bitflip concurrency malicious} "
mkdir -p "$OUT"
echo "==> soak: seed $HORT_CAMPAIGN_SEED, $HORT_SOAK_KILLS kills per operation, $HORT_BITFLIP_FLIPS flips per file type, logs in $OUT"
export RESTIC_CACHE_DIR="$OUT/restic-cache" XDG_CACHE_HOME="$OUT/xdg-cache"

matrix() {
  HORT_CAMPAIGN_RESULT="$OUT/matrix-$1.json" python3 "$HERE/crash_matrix.py" "$OUT/matrix-$1" "$1" >"$OUT/matrix-$1.log" 2>&1
}
if [[ $PARTS == *" matrix "* ]]; then
  echo "==> crash matrix"
  rm -rf "$OUT"/matrix-*
  if [ "${HORT_SOAK_JOBS:-1}" -gt 1 ]; then
    pids=()
    for op in backup prune copy serve; do matrix "$op" & pids+=($!); done
    for p in "${pids[@]}"; do wait "$p"; done
  else
    for op in backup prune copy serve; do matrix "$op"; done
  fi
fi
if [[ $PARTS == *" bitflip "* ]]; then
  echo "==> bit flips"
  rm -rf "$OUT"/bitflip*
  HORT_CAMPAIGN_RESULT="$OUT/bitflip.json" python3 "$HERE/bitflip.py" "$OUT/bitflip" >"$OUT/bitflip.log" 2>&1
fi
if [[ $PARTS == *" concurrency "* ]]; then
  echo "==> concurrency ($ROUNDS rounds) and disk full"
  conc_ok=0
  for i in $(seq 1 "$ROUNDS"); do
    bash "$HERE/../e2e/concurrency.sh" >>"$OUT/concurrency.log" 2>&1 && conc_ok=$((conc_ok + 1))
  done
  bash "$HERE/../e2e/disk_full.sh" >"$OUT/disk_full.log" 2>&1
  echo "{\"rounds\": $ROUNDS, \"passed\": $conc_ok, \"disk_full_rc\": $?}" >"$OUT/concurrency.json"
fi
if [[ $PARTS == *" malicious "* ]]; then
  echo "==> malicious repositories"
  rm -rf "$OUT"/malicious*
  HORT_MALICIOUS_WIDE=200000 HORT_CAMPAIGN_RESULT="$OUT/malicious.json" \
    /usr/bin/python3 "$HERE/malicious.py" "$OUT/malicious" >"$OUT/malicious.log" 2>&1
fi

python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
def load(name):
    p = os.path.join(out, name)
    return json.load(open(p)) if os.path.exists(p) else None
bad = False
print(f"{'operation':<10}{'kills':>7}{'inconsistent repos':>20}{'lost snapshots':>16}{'differing restores':>20}"
      f"{'next run failed':>17}{'tmp files (sum/end)':>21}{'locks (sum/end)':>17}")
for op in ("backup", "prune", "copy", "serve"):
    m = load(f"matrix-{op}.json")
    if m is None:
        print(f"{op:<10} (no result: see matrix-{op}.log)"); bad = True; continue
    r = m["results"][op]
    print(f"{op:<10}{r['kills']:>7}{r['inconsistent']:>20}{r['lost_snapshots']:>16}{r['differing_restores']:>20}"
          f"{r['next_run_failed']:>17}{str(r['tmp_left']) + '/' + str(r.get('tmp_at_end', '-')):>21}"
          f"{str(r['locks_left']) + '/' + str(r.get('locks_at_end', '-')):>17}")
    bad |= bool(m["errors"]) or r["kills"] < int(os.environ["HORT_SOAK_KILLS"])
b = load("bitflip.json")
if b is None:
    print("bit flips: no result (see bitflip.log)"); bad = True
else:
    t = {k: sum(r[k] for r in b["results"].values()) for k in next(iter(b["results"].values()))}
    print(f"bit flips: {t['flips']} flips, check reported {t['check_reported']}, harmless {t['harmless']}, "
          f"crashes {t['crashes']}, silently different restores {t['silent_differences']}")
    bad |= bool(b["errors"])
c = load("concurrency.json")
if c is None:
    print("concurrency: no result (see concurrency.log)"); bad = True
else:
    print(f"concurrency: {c['passed']}/{c['rounds']} rounds passed; disk full: "
          + {0: "passed", 77: "not run (no tmpfs mount here)"}.get(c["disk_full_rc"], f"FAILED (exit {c['disk_full_rc']})"))
    bad |= c["passed"] != c["rounds"] or c["disk_full_rc"] not in (0, 77)
mal = load("malicious.json")
if mal is None:
    print("malicious repositories: no result (see malicious.log)"); bad = True
else:
    st = [r["status"] for r in mal.values()]
    print(f"malicious repositories: {len(st)} cases, {st.count('ok')} ok, {st.count('known')} known failures "
          f"({', '.join(k for k, r in mal.items() if r['status'] == 'known')}), {st.count('FAIL')} failed")
    bad |= "FAIL" in st
print("soak: FAILED" if bad else "soak: passed")
sys.exit(1 if bad else 0)
PY
