#!/usr/bin/env bash
# The demo behind `./run demo`: hort's main job on the local default storage.
set -euo pipefail
HORT=${1:?path to hort}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR="$ROOT/var/demo"
rm -rf "$VAR" && mkdir -p "$VAR"
export HORT_PASSWORD=demo-password-not-secret
REPO="$VAR/repo"
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "create a sample tree in $VAR/data"
mkdir -p "$VAR/data/docs" "$VAR/data/db"
for i in $(seq 1 20); do echo "document $i $(date)" > "$VAR/data/docs/doc$i.txt"; done
head -c 8000000 /dev/urandom > "$VAR/data/db/blob.bin"
ln -s docs/doc1.txt "$VAR/data/latest-doc"

step "hort init"
"$HORT" -r "$REPO" init
step "hort backup (first)"
"$HORT" -r "$REPO" backup "$VAR/data" --tag demo
step "change the tree: edit one file, add one, delete one"
echo "edited" >> "$VAR/data/docs/doc2.txt"
echo "new file" > "$VAR/data/docs/new.txt"
rm "$VAR/data/docs/doc3.txt"
step "hort backup (incremental: only the changes are read)"
"$HORT" -r "$REPO" backup "$VAR/data" --tag demo
step "hort snapshots"
"$HORT" -r "$REPO" snapshots
step "hort restore latest --verify"
"$HORT" -r "$REPO" restore latest --target "$VAR/restore" --verify
step "compare the restored tree with the source"
diff -r "$VAR/data" "$VAR/restore$VAR/data" && echo "restored tree is identical"
step "hort check --read-data"
"$HORT" -r "$REPO" check --read-data
if command -v restic >/dev/null; then
  step "restic reads hort's repository: restic check --read-data"
  RESTIC_PASSWORD=$HORT_PASSWORD restic -r "$REPO" check --read-data
fi
step "done: repository at $REPO"
