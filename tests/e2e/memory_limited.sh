#!/usr/bin/env bash
# memory_limited.sh CMD [ARG...]: runs CMD with at most 1 GiB of memory per
# process, the bound of the malicious-input tests (issue #25). Normally an
# address-space limit (prlimit --as). A binary built with AddressSanitizer
# reserves terabytes of address space for its shadow and cannot start under
# one; there the bound is on each single allocation, through ASan's own
# max_allocation_size_mb (an allocation over it is a fatal report, stricter
# than prlimit's failed allocation). One definition for lib.sh and
# tests/campaign/malicious.py.
set -euo pipefail
if [[ $(ldd "$1" 2>/dev/null) == *libasan* ]]; then  # no pipe: grep -q would SIGPIPE ldd under pipefail
  ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}max_allocation_size_mb=1024" exec "$@"
fi
exec prlimit --as=$((1 << 30)) -- "$@"
