#!/usr/bin/env bash
# ./run fuzz [--time S] [--runs N] [--target T]... [--no-build]: builds the
# `fuzz` preset (clang, libFuzzer, ASan, UBSan) and runs each target under
# libFuzzer, one at a time, for S seconds (default 60 without --runs) and/or
# N executions, whichever ends first. A crash, a
# sanitizer report, an input over 10 s or over 1 GiB RSS (or one allocation
# over 1 GiB) fails the target; its input is kept under var/fuzz/<target>/.
# New corpus entries go to var/fuzz/corpus/<target>/ (fuzz/corpus/<target>/
# holds the seeds). A table of executions per target ends the output and is
# written to var/fuzz/summary.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

time_s=""
runs=""
build=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_s=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --target) targets+=("$2"); shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "usage: ./run fuzz [--time S] [--runs N] [--target T]... [--no-build]" >&2; exit 2 ;;
  esac
done
all=$(sed -n 's/^set(HORT_FUZZ_TARGETS \(.*\))$/\1/p' fuzz/CMakeLists.txt)
[ ${#targets[@]} -gt 0 ] || read -r -a targets <<<"$all"
for t in "${targets[@]}"; do
  [[ " $all " == *" $t "* ]] || { echo "unknown fuzz target $t (targets: $all)" >&2; exit 2; }
done

if [ "$build" = 1 ]; then
  echo "==> building (fuzz: clang-14, libFuzzer, ASan, UBSan)"
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz
fi

# halt_on_error: the first report ends the run and libFuzzer saves the input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
[ -n "$time_s$runs" ] || time_s=60
limit=()
[ -z "$time_s" ] || limit+=(-max_total_time="$time_s")
[ -z "$runs" ] || limit+=(-runs="$runs")

mkdir -p var/fuzz
summary=var/fuzz/summary.txt
printf '%-16s %12s %9s %8s %9s %10s  %s\n' target executions exec/s seconds peak_MiB slowest_s result >"$summary"
failed=0
for t in "${targets[@]}"; do
  mkdir -p "var/fuzz/$t" "var/fuzz/corpus/$t"
  log="var/fuzz/$t.log"
  echo "==> fuzzing $t (${limit[*]})"
  start=$(date +%s)
  set +e
  "build/fuzz/fuzz/hort_fuzz_$t" -rss_limit_mb=1024 -malloc_limit_mb=1024 -timeout=10 "${limit[@]}" \
    -print_final_stats=1 -artifact_prefix="var/fuzz/$t/" "var/fuzz/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  slowest=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$log" | tail -1)
  result=ok
  if [ "$rc" -ne 0 ]; then
    result="FAIL (exit $rc): $(grep -m1 -E '^==[0-9]+==ERROR|runtime error|ERROR: libFuzzer' "$log" || tail -1 "$log")"
    failed=1
  fi
  printf '%-16s %12s %9s %8s %9s %10s  %s\n' "$t" "${execs:-?}" "$(( ${execs:-0} / (secs > 0 ? secs : 1) ))" "$secs" \
    "${peak:-?}" "${slowest:-?}" "$result" | tee -a "$summary"
done
echo "==> summary (var/fuzz/summary.txt; logs var/fuzz/<target>.log, failing inputs var/fuzz/<target>/)"
cat "$summary"
exit "$failed"
