#!/usr/bin/env bash
# restic writes, hort reads: hort check --read-data passes and hort restore
# reproduces the tree exactly, with --verify re-hashing what was written.
source "$(dirname "$0")/lib.sh"
gen_tree "$WORK/src"
restic -r "$WORK/repo" init >/dev/null
restic -r "$WORK/repo" backup "$WORK/src" >/dev/null
hort -r "$WORK/repo" check --read-data
hort -r "$WORK/repo" restore latest --target "$WORK/out" --verify
treecmp "$WORK/src" "$WORK/out$WORK/src"
note "format version 1 repositories (older restic/K8up) are read too"
restic -r "$WORK/repo1" init --repository-version 1 >/dev/null
restic -r "$WORK/repo1" backup "$WORK/src" >/dev/null
hort -r "$WORK/repo1" check --read-data
hort -r "$WORK/repo1" restore latest --target "$WORK/out1" --verify >/dev/null
treecmp "$WORK/src" "$WORK/out1$WORK/src"
