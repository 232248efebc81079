#!/usr/bin/env bash
# Soak test of bertc serve: MINUTES (default 10) of wrk load at 32 keep-alive clients
# (bench/serve_load.lua), the server's resident memory sampled each minute. Fails when any
# request fails or RSS grows more than 10% from the first minute to the last. Not a default
# test: cmake -DBERTC_SOAK_MODEL=model.bertc adds it to ctest as `serve_soak`.
#
#   bench/serve_soak.sh MODEL [MINUTES=10]
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:?usage: bench/serve_soak.sh MODEL [MINUTES]}
MINUTES=${2:-10}
OUT=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$OUT"' EXIT
export SERVE_TEXTS=$OUT/texts.txt
/usr/bin/python3 bench/serve_texts.py --out "$SERVE_TEXTS"
build/bertc serve "$MODEL" --port 0 > /dev/null 2> "$OUT/serve.err" &
pid=$!
# The listening line goes to stdout, silenced here: find the port through /proc instead.
for _ in $(seq 1 600); do
  port=$(ss -ltnpH 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {split($4, a, ":"); print a[length(a)]}' | head -1)
  [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
  sleep 0.1
done
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
echo "minute rss_kb requests texts non_200"
first=""; failed=0
for m in $(seq 1 "$MINUTES"); do
  r=$(wrk -t1 -c32 -d60s --timeout 60s -s bench/serve_load.lua "http://127.0.0.1:$port" | tail -1)
  now=$(rss)
  [ -z "$first" ] && first=$now
  line=$(/usr/bin/python3 -c 'import json,sys; r=json.loads(sys.argv[1]); bad=sum(v for k,v in r["statuses"].items() if k!="200")+r["socket_errors"]; print(r["requests"], r["texts"], bad)' "$r")
  echo "$m $now $line"
  [ "${line##* }" = 0 ] || failed=1
done
kill -TERM $pid; wait $pid
/usr/bin/python3 -c 'import sys; a,b=int(sys.argv[1]),int(sys.argv[2]); print("rss first minute %d kB, last %d kB (%+.1f%%)" % (a, b, 100.0*(b-a)/a)); sys.exit(0 if b <= a*1.10 else 1)' "$first" "$now"
exit $failed
