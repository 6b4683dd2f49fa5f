#!/usr/bin/env bash
# hort forget decides exactly like restic forget on 30 generated histories x 5 policies.
source "$(dirname "$0")/lib.sh"
: "${HORT_FIXTURE:?}"
python3 "$E2E_DIR/forget_policy.py" "$WORK"
