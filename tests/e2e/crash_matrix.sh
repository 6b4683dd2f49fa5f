#!/usr/bin/env bash
# The crash matrix's short run (issue #25): backup, prune after forget, copy
# and `hort serve` each SIGKILLed at random moments of their run; after every
# kill hort check and restic check pass, no snapshot is lost, every snapshot
# restores identically and the next run succeeds. Seeded (the seed is
# printed; HORT_CAMPAIGN_SEED repeats a run). Here 2 kills per operation with
# 2 x 1 MiB of new data per run; `./run soak` runs 100 kills per operation
# (HORT_SOAK_KILLS). tests/campaign/crash_matrix.py, docs/testing.md.
source "$(dirname "$0")/lib.sh"
HORT_SOAK_KILLS=${HORT_SOAK_KILLS:-2} HORT_CRASH_BULK_KIB=${HORT_CRASH_BULK_KIB:-1024} HORT_CRASH_SAMPLE=${HORT_CRASH_SAMPLE:-1} \
  python3 "$E2E_DIR/../campaign/crash_matrix.py" "$WORK/matrix" ${HORT_CRASH_OPS:-}
