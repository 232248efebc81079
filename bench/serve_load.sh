#!/usr/bin/env bash
# Load test of bertc serve over loopback with wrk (keep-alive; bench/serve_load.lua): 1, 8, 32
# and 128 concurrent clients, each request 1-8 texts of the committed mixed-length workload,
# DURATION seconds per level; then the same with cross-request batching off
# (--max-batch-requests 1), the offline `bertc run --file` throughput on the same texts, and one
# direct Pipeline call per request (bench/pipeline_call_bench.cc). The two servers run side by
# side and take turns at each level. Prints a Markdown table.
#
#   bench/serve_load.sh MODEL [DURATION=15]     MODEL: a .bertc bundle of a text model (or folder)
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:?usage: bench/serve_load.sh MODEL [DURATION]}
DURATION=${2:-15}
BIN=build/bertc
OUT=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$OUT"' EXIT
export SERVE_TEXTS=$OUT/texts.txt
/usr/bin/python3 bench/serve_texts.py --out "$SERVE_TEXTS"

metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2}'; }

# start_server NAME [serve flags...]: prints the port once the server is ready.
start_server() {
  local name=$1; shift
  "$BIN" serve "$MODEL" --port 0 "$@" > "$OUT/$name.log" 2>&1 &
  echo $! > "$OUT/$name.pid"
  for _ in $(seq 1 600); do
    grep -q '"event":"ready"' "$OUT/$name.log" && break
    kill -0 "$(cat "$OUT/$name.pid")" 2>/dev/null || { cat "$OUT/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  grep -o '"port":[0-9]*' "$OUT/$name.log" | head -1 | cut -d: -f2
}

# level LABEL PORT CLIENTS: one wrk run, one table row.
level() {
  local label=$1 port=$2 c=$3 s0 c0 s1 c1 r
  s0=$(metric "$port" bertc_batch_size_sum); c0=$(metric "$port" bertc_batch_size_count)
  r=$(wrk -t1 -c"$c" -d"${DURATION}s" --timeout 60s -s bench/serve_load.lua "http://127.0.0.1:$port" | tail -1)
  s1=$(metric "$port" bertc_batch_size_sum); c1=$(metric "$port" bertc_batch_size_count)
  /usr/bin/python3 -c '
import json, sys
r = json.loads(sys.argv[1]); s0, c0, s1, c1 = map(float, sys.argv[4:8])
bad = {k: v for k, v in r["statuses"].items() if k != "200"}
errors = ", ".join("%s: %d" % kv for kv in bad.items())
if r["socket_errors"]: errors += " socket errors %d" % r["socket_errors"]
print("| %s | %s | %.0f | %.1f | %.1f | %.1f | %.1f | %s |" % (sys.argv[2], sys.argv[3], r["texts"] / r["seconds"],
      r["p50_ms"], r["p90_ms"], r["p99_ms"], (s1 - s0) / max(c1 - c0, 1), errors or "none"))
' "$r" "$label" "$c" "$s0" "$c0" "$s1" "$c1"
}

# Both servers run side by side; at each level they take turns, so they see the same machine.
cross=$(start_server cross)
off=$(start_server off --max-batch-requests 1)
echo "| batching | clients | texts/s | p50 ms | p90 ms | p99 ms | mean batch (sequences) | errors |"
echo "|---|---|---|---|---|---|---|---|"
for c in 1 8 32 128; do
  level "cross-request" "$cross" "$c"
  level "off (--max-batch-requests 1)" "$off" "$c"
done
for name in cross off; do kill -TERM "$(cat "$OUT/$name.pid")"; done
wait

for _ in 1 2 3 4; do cat "$SERVE_TEXTS"; done > "$OUT/texts4.txt"
start=$(date +%s.%N)
"$BIN" run "$MODEL" --file "$OUT/texts4.txt" --json > /dev/null
end=$(date +%s.%N)
/usr/bin/python3 -c 'import sys; n=int(sys.argv[1]); print("\noffline `bertc run --file` (%d texts, load included): %.0f texts/s" % (n, n / (float(sys.argv[3]) - float(sys.argv[2]))))' \
  "$(wc -l < "$OUT/texts4.txt")" "$start" "$end"
echo "direct Pipeline::embed per request (1 client's sequence): $(build/pipeline_call_bench "$MODEL" "$SERVE_TEXTS" 300)"
