#!/bin/sh
# selftest.sh TARGET CRASH_DIR INPUT: passes when the driver fails on INPUT
# and leaves exactly that input in CRASH_DIR (fuzz/CMakeLists.txt).
set -u
target=$1 dir=$2 input=$3
rm -rf "$dir"
if "$target" --seconds 0 --timeout 1 --crash-dir "$dir" "$input"; then
  echo "the driver passed an input that fails: $input" >&2
  exit 1
fi
for f in "$dir"/crash-*; do
  cmp "$f" "$input" && exit 0
done
echo "the failing input was not kept in $dir" >&2
exit 1
