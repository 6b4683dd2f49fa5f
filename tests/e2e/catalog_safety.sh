#!/usr/bin/env bash
# What a probe of the catalog and its state found accepted, and then losing
# or leaking data: each section one finding, refused by `config check` (or,
# for a state another process holds, never reported ok by `hort run`).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir -p data
echo hello >data/a.txt
hort init -r repo -q

catalog() {  # catalog FILE: a valid head, then stdin
  { printf 'state: %s/state.sqlite\nrepositories:\n  main: {url: repo, password_env: HORT_PASSWORD}\n' "$WORK"; cat; } >"$1"
}
refused() {  # refused FILE TEXT: config check exits 1 naming TEXT
  expect_rc 1 hort --config "$1" config check
  grep -qF -- "$2" "$WORK/last.err" || fail "$1: no \"$2\" in: $(cat "$WORK/last.err")"
}

note "one series by two spellings of a path: refused"
for other in "$WORK/data/" "/$WORK/data" "$WORK/./data"; do
  catalog series.yaml <<YAML
services:
  app:
    classification: critical
    rpo: 1d
    files:
      - {name: x, path: $WORK/data, schedule: "@daily", repository: main, keep: {last: 1}}
      - {name: y, path: "$other", schedule: "@daily", repository: main, keep: {last: 1}}
YAML
  refused series.yaml "entry \"y\" writes the snapshot series of app/files/x (host app, $WORK/data, repository main)"
done

note "two repository names for one folder, and an offsite copy between them: refused, naming both"
catalog repos.yaml <<YAML
  copy: {url: ./repo/, password_env: HORT_PASSWORD}
offsite:
  o: {from: main, to: copy, schedule: "@daily"}
YAML
refused repos.yaml "repositories.copy.url: repositories main and copy are one location ($WORK/repo/)"
grep -qF "offsite.o.to: repository copy is at the location of main" "$WORK/last.err" || fail "offsite: $(cat "$WORK/last.err")"
