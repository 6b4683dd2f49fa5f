#!/usr/bin/env bash
# Malicious repositories (issue #25): crafted trees with names that climb out
# of the target, symlink and hard-link tricks, cycles, a deep and a wide tree,
# huge lengths in index, pack headers and nodes. check and restore run under
# prlimit --as=1GiB and never crash; restore writes nothing outside its
# target; check reports the damage. tests/campaign/malicious.py (its KNOWN
# list: cases that fail on main, reported; HORT_MALICIOUS_STRICT=1 fails them).
# The wide tree has 10,000 entries here and 200,000 in `./run soak`.
source "$(dirname "$0")/lib.sh"
command -v prlimit >/dev/null || fail "prlimit (util-linux) is missing"
/usr/bin/python3 -c 'import cryptography' 2>/dev/null || fail "python3-cryptography is missing"
HORT_MALICIOUS_WIDE=${HORT_MALICIOUS_WIDE:-10000} /usr/bin/python3 "$E2E_DIR/../campaign/malicious.py" "$WORK/malicious"
