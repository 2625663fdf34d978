#!/usr/bin/env bash
# The API battery questions on local DataFusion and on a Ballista cluster on loopback.
#
#   bench/cluster.sh [orders ...]   default: 1000000 10000000; data under target/bench/ as
#                                   bench/api.sh (BOLTIC_BENCH_DATA moves it, BOLTIC_BIN picks
#                                   the binary)
#
# For each scale: builds the warehouse (reused when there), starts a scheduler and two
# executors (`boltic cluster`, one task slot each: the machine's two cores, as the local engine
# has), then two servers on the same warehouse, one per engine, and prints for the three
# battery questions of bench/api.sh the uncached medians side by side, their ratio, and what
# the cluster did: stages, rows written to shuffles, and the rows the scheduler reports.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
scales=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(1000000 10000000)
scripts/setup.sh bench >/dev/null
release_boltic
base=${BOLTIC_BENCH_PORT:-3990}
scheduler_port=$((base + 10))

pids=()
stop() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; pids=(); }
trap stop EXIT

for orders in "${scales[@]}"; do
  bench_warehouse "$orders"
  wh=$(cd "$dir/wh" && pwd)   # the nodes read it by absolute path
  "$boltic" cluster scheduler --bind "127.0.0.1:$scheduler_port" 2> "$dir/scheduler.log" &
  pids+=($!)
  for n in 1 2; do
    "$boltic" cluster executor --scheduler "ballista://127.0.0.1:$scheduler_port" \
      --bind "127.0.0.1:$((scheduler_port + 2 * n))" --slots 1 --memory-mib 2048 \
      --work-dir "$dir/executor-$n" 2> "$dir/executor-$n.log" &
    pids+=($!)
  done
  for engine in local "ballista://127.0.0.1:$scheduler_port"; do
    port=$([ "$engine" = local ] && echo "$base" || echo $((base + 1)))
    name=$([ "$engine" = local ] && echo local || echo cluster)
    admin_key "$boltic" "$dir/$name.db" "$dir/$name.key"
    BOLTIC_REQUESTS_PER_MINUTE=100000000 \
    "$boltic" serve --project demo/air_boltic --warehouse "$wh" --listen "127.0.0.1:$port" \
      --poll-interval-ms 0 --memory-mib 4096 --database "$dir/$name.db" --engine "$engine" \
      --query-timeout-ms 600000 2> "$dir/serve-$name.log" &
    pids+=($!)
    wait_ready "$port" 30
  done
  echo "== $orders orders, $(nproc) cores: local engine vs scheduler + 2 executors (1 slot each) =="
  python3 bench/cluster_bench.py "http://127.0.0.1:$base" "$dir/local.key" \
    "http://127.0.0.1:$((base + 1))" "$dir/cluster.key" "127.0.0.1:$scheduler_port"
  stop
done
