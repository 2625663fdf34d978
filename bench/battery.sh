#!/usr/bin/env bash
# The broad benchmark: 35 analyst questions through the HTTP API against hand-written DuckDB SQL
# on the same Parquet files, each checked for equal answers before it is timed (bench/battery.py
# lists them and says how they are compared). Prints per question the uncached median through
# the API, DuckDB's median, their ratio and the row count; then the geometric mean of the ratios
# and the worst question. Asserts nothing about time.
#
#   bench/battery.sh [orders ...]       default: 1000000 10000000; data under target/bench/
#                                       (not committed; BOLTIC_BENCH_DATA moves it)
#   BOLTIC_BIN=target/release/boltic bench/battery.sh 1000000      # a binary already built
#   BENCH_RUNS=9 bench/battery.sh 1000000 -- q08 q17               # more runs, some questions
# BOLTIC_MEMORY_MIB (default 4096) is the server's query memory; the warehouse is built with the
# pipeline's defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
scales=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do scales+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
questions=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(1000000 10000000)
scripts/setup.sh bench >/dev/null
if [ -z "${BOLTIC_BIN:-}" ]; then
  cargo build --release --locked -p boltic-server 2>&1 | tail -1
fi
boltic=$(realpath "${BOLTIC_BIN:-${CARGO_TARGET_DIR:-target}/release/boltic}")
port=${BOLTIC_BENCH_PORT:-3992}

for orders in "${scales[@]}"; do
  # its own data: the questions' fixed dates need the data to end on 2024-12-30
  dir=${BOLTIC_BENCH_DATA:-target/bench}/battery-$orders
  mkdir -p "$dir"
  if [ ! -f "$dir/raw/order.csv" ]; then
    "$boltic" --quiet generate --orders "$orders" --seed 42 --last-day 2024-12-30 --out "$dir/raw" >/dev/null
  fi
  "$boltic" --quiet pipeline run --raw "$dir/raw" --warehouse "$dir/wh" --project demo/air_boltic >/dev/null
  admin_key "$boltic" "$dir/boltic.db" "$dir/key"   # the key goes to a file, never the terminal
  BOLTIC_REQUESTS_PER_MINUTE=100000000 \
  "$boltic" serve --project demo/air_boltic --warehouse "$dir/wh" --listen "127.0.0.1:$port" \
    --poll-interval-ms 0 --memory-mib "${BOLTIC_MEMORY_MIB:-4096}" --database "$dir/boltic.db" \
    2> "$dir/serve.log" &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  wait_ready "$port"
  echo "== $orders orders, $(nproc) cores, $(date -u +%FT%TZ) =="
  BOLTIC_BENCH_KEY_FILE="$dir/key" python3 bench/battery.py "http://127.0.0.1:$port" "$dir/wh" \
    ${questions[@]+"${questions[@]}"}
  kill "$server"; wait "$server" 2>/dev/null || true
  trap - EXIT
done
