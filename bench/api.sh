#!/usr/bin/env bash
# Benchmark of the HTTP query API against DuckDB on the same Parquet files.
#
#   bench/api.sh [orders ...]      default: 1000000 10000000; data under target/bench/ (not committed;
#                                  BOLTIC_BENCH_DATA moves it, BOLTIC_BIN picks the binary)
#
# For each scale: builds the warehouse (reused when the generated files are already there),
# starts `boltic serve` (release build), and prints for the three battery questions
#   (a) revenue and order count by customer group type
#   (b) finished orders by month of trip start and aeroplane manufacturer
#   (c) top 10 destination cities by distinct customers
# the uncached median through the API, DuckDB's median on hand-written SQL, their ratio,
# the cached p50 latency, and cached throughput measured with wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
scales=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(1000000 10000000)
scripts/setup.sh bench >/dev/null
release_boltic
port=${BOLTIC_BENCH_PORT:-3990}

for orders in "${scales[@]}"; do
  bench_warehouse "$orders"
  admin_key "$boltic" "$dir/boltic.db" "$dir/key"   # the key goes to a file, never the terminal
  # Unlimited requests per caller (BOLTIC_REQUESTS_PER_MINUTE), so wrk measures the server.
  BOLTIC_REQUESTS_PER_MINUTE=100000000 \
  "$boltic" serve --project demo/air_boltic --warehouse "$dir/wh" --listen "127.0.0.1:$port" \
    --poll-interval-ms 0 --memory-mib 4096 --database "$dir/boltic.db" 2> "$dir/serve.log" &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  wait_ready "$port"
  echo "== $orders orders, $(nproc) cores =="
  BOLTIC_BENCH_KEY_FILE="$dir/key" python3 bench/api_bench.py "http://127.0.0.1:$port" "$dir/wh"
  kill "$server"; wait "$server" 2>/dev/null || true
  trap - EXIT
done
