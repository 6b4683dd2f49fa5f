#!/usr/bin/env bash
# The bit-flip campaign's short run (issue #25): single bit flips in copies of
# a small repository, in every file type (config, keys, index, snapshots,
# pack headers and bodies, locks); hort check --read-data reports the damage
# or every restore is still identical; never a crash, never silently different
# restored data. Seeded (printed; HORT_CAMPAIGN_SEED repeats it);
# HORT_BITFLIP_FLIPS flips per file type (2 here, 100 in `./run soak`).
# tests/campaign/bitflip.py, docs/testing.md.
source "$(dirname "$0")/lib.sh"
HORT_BITFLIP_FLIPS=${HORT_BITFLIP_FLIPS:-2} python3 "$E2E_DIR/../campaign/bitflip.py" "$WORK/bitflip"
