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
# pipeline's defaults. The time and peak memory of generating the data (once) and of building the
# warehouse are printed too. BENCH_MEMORY_CAP_MIB caps the memory of each of them and of the
# server with a cgroup (bench/lib.sh `cap_memory`; root), so that going over kills the run:
#   BENCH_MEMORY_CAP_MIB=2048 BOLTIC_MEMORY_MIB=1024 BENCH_RUNS=3 bench/battery.sh 100000000
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
scales=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do scales+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
questions=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(1000000 10000000)
scripts/setup.sh bench >/dev/null
release_boltic
boltic=$(realpath "$boltic")
port=${BOLTIC_BENCH_PORT:-3992}

for orders in "${scales[@]}"; do
  # its own data: the questions' fixed dates need the data to end on 2024-12-30
  dir=${BOLTIC_BENCH_DATA:-target/bench}/battery-$orders
  mkdir -p "$dir"
  echo "== $orders orders, $(nproc) cores, $(date -u +%FT%TZ)${BENCH_MEMORY_CAP_MIB:+, memory capped at $BENCH_MEMORY_CAP_MIB MiB} =="
  cap_memory "${BENCH_MEMORY_CAP_MIB:-}"
  if [ ! -f "$dir/raw/order.csv" ]; then
    measure "boltic generate" "${capped[@]}" "$boltic" --quiet generate --orders "$orders" --seed 42 \
      --last-day 2024-12-30 --out "$dir/raw"
    echo "  raw files: $(du -sh "$dir/raw" | cut -f1)"
  fi
  measure "boltic pipeline run" "${capped[@]}" "$boltic" --quiet pipeline run --raw "$dir/raw" \
    --warehouse "$dir/wh" --project demo/air_boltic
  grep -E "^timings" "$dir/boltic pipeline run.out" | sed 's/^/  /' || true
  admin_key "$boltic" "$dir/boltic.db" "$dir/key"   # the key goes to a file, never the terminal
  # answers are compared whole: no row cap below the biggest answer (q06 has 250,001 rows at 100M)
  BOLTIC_REQUESTS_PER_MINUTE=100000000 BOLTIC_MAX_ROWS=${BOLTIC_MAX_ROWS:-1000000} \
  "${capped[@]}" "$boltic" serve --project demo/air_boltic --warehouse "$dir/wh" --listen "127.0.0.1:$port" \
    --poll-interval-ms 0 --memory-mib "${BOLTIC_MEMORY_MIB:-4096}" --database "$dir/boltic.db" \
    2> "$dir/serve.log" &
  server=$!
  trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; cap_done' EXIT
  wait_ready "$port" 120
  BOLTIC_BENCH_KEY_FILE="$dir/key" python3 bench/battery.py "http://127.0.0.1:$port" "$dir/wh" \
    ${questions[@]+"${questions[@]}"} || failed=1   # questions the server refused: the next scale too
  awk '/^VmHWM/ { printf "server peak memory: %.0f MiB\n", $2 / 1024 }' "/proc/$server/status"
  kill "$server"; wait "$server" 2>/dev/null || true
  trap - EXIT
  cap_done
done
exit "${failed:-0}"
