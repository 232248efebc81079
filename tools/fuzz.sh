#!/usr/bin/env bash
# Coverage-guided fuzzing of bertc's parsers (fuzz/<name>_fuzz.cc) with libFuzzer, ASan and
# UBSan: builds the fuzz targets in build-fuzz/ with clang++, then runs each one (or those
# named) for SECONDS on the working corpus build-fuzz/corpus/<name>, seeded from
# fuzz/corpus/<name>; reproducers go to build-fuzz/artifacts/<name>/, logs to
# build-fuzz/logs/<name>.log. Prints one summary line per target and exits 1 when any target
# found something (crash, sanitizer report, leak, timeout, out-of-memory).
#
# Usage: [JOBS=1] [PARALLEL=1] [KEEP_GOING=1] tools/fuzz.sh [SECONDS] [TARGET...]
#   JOBS        build parallelism (default 1)
#   PARALLEL    how many targets fuzz at once (default 1; each uses one core)
#   KEEP_GOING  1: libFuzzer's fork mode, which goes on after a finding (collects several)
# Replay a reproducer: build-fuzz/fuzz_<name> build-fuzz/artifacts/<name>/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/build-fuzz

duration=60
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
  duration=$1
  shift
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/*_fuzz.cc; do
    f=${f#fuzz/}
    targets+=("${f%_fuzz.cc}")
  done
fi
for t in "${targets[@]}"; do
  [ -f "fuzz/${t}_fuzz.cc" ] || { echo "fuzz.sh: no target '$t' (fuzz/${t}_fuzz.cc)" >&2; exit 2; }
done

# The largest input libFuzzer makes, per target: the seeds fit, and room for deep nesting and
# long headers (npy's own limit is 64 KB).
max_len() {
  case $1 in
    onnx_model) echo 81920 ;;
    bundle | npy | torch_pickle) echo 65536 ;;
    safetensors | torch_zip | tokenizer_json | config_json) echo 16384 ;;
    text_input) echo 2048 ;;
    *) echo 4096 ;;
  esac
}

cmake -S . -B "$out" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DBERTC_LIBFUZZER=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out" -j"${JOBS:-1}" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
extra=()
[ "${KEEP_GOING:-0}" = 1 ] && extra=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
# Fuzzes one target and writes its summary line to $out/logs/<name>.summary.
fuzz_one() {
  local t=$1
  local corpus=$out/corpus/$t artifacts=$out/artifacts/$t log=$out/logs/$t.log
  mkdir -p "$corpus" "$artifacts" "$out/logs" "$out/tmp/$t"
  local before
  before=$(ls "$artifacts")
  echo "fuzz.sh: fuzz_$t for ${duration}s (log: ${log#$root/})" >&2
  local rc=0
  TMPDIR=$out/tmp/$t "$out/fuzz_$t" "$corpus" "fuzz/corpus/$t" -max_total_time="$duration" \
    -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "${extra[@]}" >"$log" 2>&1 || rc=$?
  rm -rf "$out/tmp/$t"
  local found
  mapfile -t found < <(comm -13 <(echo "$before") <(ls "$artifacts") |
    grep -E '^(crash|leak|timeout|oom)-' || true)
  # Executions, coverage and corpus from the last status line and the final stats.
  local last execs cov ft corp kinds
  last=$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -n 1 || true)
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | tail -n 1 |
    grep -oE '[0-9]+$' || echo "${last%%[!#0-9]*}" | tr -d '#')
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo '?')
  ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo '?')
  corp=$(grep -oE 'corp: [0-9]+(/[0-9]+[A-Za-z]*)?' <<<"$last" | cut -d' ' -f2 || echo '?')
  local result="nothing found"
  if [ ${#found[@]} = 1 ]; then
    result="FOUND ${artifacts#$root/}/${found[0]}"
  elif [ ${#found[@]} -gt 1 ]; then
    kinds=$(printf '%s\n' "${found[@]}" | cut -d- -f1 | sort | uniq -c |
      awk '{printf "%s%d %s", (NR > 1 ? ", " : ""), $1, $2}')
    result="FOUND ${#found[@]} ($kinds) in ${artifacts#$root/}/"
  elif [ "$rc" != 0 ] && [ "${KEEP_GOING:-0}" != 1 ]; then
    result="FOUND: exit status $rc, see ${log#$root/}"
  fi
  printf '%-26s execs %-9s cov %-6s ft %-7s corpus %-12s %s\n' "fuzz_$t" "${execs:-?}" \
    "$cov" "$ft" "$corp" "$result" >"$out/logs/$t.summary"
}

mkdir -p "$out/logs"
for t in "${targets[@]}"; do
  rm -f "$out/logs/$t.summary"
  while [ "$(jobs -rp | wc -l)" -ge "${PARALLEL:-1}" ]; do wait -n || true; done
  fuzz_one "$t" &
done
wait
status=0
for t in "${targets[@]}"; do
  line=$(cat "$out/logs/$t.summary" 2>/dev/null || echo "fuzz_$t  did not finish")
  echo "$line"
  [[ $line == *"nothing found" ]] || status=1
done
exit $status
