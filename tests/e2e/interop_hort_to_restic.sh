#!/usr/bin/env bash
# hort writes, restic reads: restic check --read-data passes and restic
# restore reproduces the tree byte for byte and with metadata.
source "$(dirname "$0")/lib.sh"
gen_tree "$WORK/src"
hort -r "$WORK/repo" init >/dev/null
hort -r "$WORK/repo" backup "$WORK/src" >/dev/null
restic -r "$WORK/repo" check --read-data
restic -r "$WORK/repo" restore latest --target "$WORK/out" >/dev/null
# restic 0.14 cannot restore sparse files (--sparse came in 0.15): no sparseness check here.
treecmp "$WORK/src" "$WORK/out$WORK/src" --no-sparse
note "hort backs up into a format version 1 repository made by restic"
restic_init "$WORK/repo1" --repository-version 1
hort -r "$WORK/repo1" backup "$WORK/src" >/dev/null
restic -r "$WORK/repo1" check --read-data >/dev/null
restic -r "$WORK/repo1" restore latest --target "$WORK/out1" >/dev/null
treecmp "$WORK/src" "$WORK/out1$WORK/src" --no-sparse
