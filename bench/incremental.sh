#!/usr/bin/env bash
# Benchmark: incremental runs against full rebuilds. Generates N orders as an initial load plus
# 10 daily batches and prints wall time and peak memory of
#   - today's flat pipeline (the same rows as flat files, one run),
#   - a full build over all 11 loads (--full-refresh),
#   - applying the last batch alone to a warehouse that has the 10 loads before it
#     (~1% new orders, ~1% status changes, ~0.5% changed customers),
# with the incremental/full and full/flat ratios, and checks that the full build and the daily
# runs answer the same questions. Asserts nothing about time.
#
#   bench/incremental.sh [orders]      default 10000000; data under target/bench/ (not committed)
#   BOLTIC=target/debug/boltic bench/incremental.sh 1000000   # another binary, no release build
set -euo pipefail
cd "$(dirname "$0")/.."
orders=${1:-10000000}
if [ -z "${BOLTIC:-}" ]; then
  cargo build --release --locked -p boltic-server 2>&1 | tail -1
  BOLTIC=target/release/boltic
fi
boltic=$(realpath "$BOLTIC")
dir=target/bench/incremental-$orders
rm -rf "$dir" && mkdir -p "$dir"

source bench/lib.sh
run=("$boltic" --quiet pipeline run --project demo/air_boltic)

echo "Air Boltic incremental runs, $orders orders, $(nproc) cores"
"$boltic" --quiet generate --orders "$orders" --seed 42 --last-day 2024-12-30 --out "$dir/flat" >/dev/null
"$boltic" --quiet generate --orders "$orders" --seed 42 --last-day 2024-12-30 --batches 10 --out "$dir/loads" >/dev/null
echo "  raw files: flat $(du -sh "$dir/flat" | cut -f1), loads $(du -sh "$dir/loads" | cut -f1)"

measure "flat pipeline (one run)" "${run[@]}" --raw "$dir/flat" --warehouse "$dir/wh-flat"
grep -E "^timings" "$dir/flat pipeline (one run).out" | sed 's/^/  /'
measure "full build over 11 loads" "${run[@]}" --raw "$dir/loads" --warehouse "$dir/wh-full" --full-refresh
grep -E "^timings" "$dir/full build over 11 loads.out" | sed 's/^/  /'

# The 10 loads before the last, in a raw folder of their own; then the last one arrives.
last=$(ls "$dir/loads/order" | sort | tail -1)
mkdir -p "$dir/daily"
for table in "$dir"/loads/*/; do
  name=$(basename "$table")
  for load in "$table"*/; do
    [ "$(basename "$load")" = "$last" ] && continue
    mkdir -p "$dir/daily/$name" && cp -r "$load" "$dir/daily/$name/"
  done
done
"${run[@]}" --raw "$dir/daily" --warehouse "$dir/wh-daily" >/dev/null
for table in "$dir"/loads/*/; do
  name=$(basename "$table")
  [ -d "$table$last" ] && mkdir -p "$dir/daily/$name" && cp -r "$table$last" "$dir/daily/$name/"
done
measure "one daily batch (incremental)" "${run[@]}" --raw "$dir/daily" --warehouse "$dir/wh-daily"
grep -E "^timings|^  (orders|customers|trips) " "$dir/one daily batch (incremental).out" | sed 's/^/  /'

# Maintenance on the daily warehouse: compaction (publishes a version when a table has two small
# files or more), then vacuum down to one version.
measure "warehouse optimize" "$boltic" --quiet warehouse optimize --warehouse "$dir/wh-daily"
head -1 "$dir/warehouse optimize.out" | sed 's/^/  /'
measure "warehouse vacuum (keep 1 version)" "$boltic" --quiet warehouse vacuum --warehouse "$dir/wh-daily" --keep-versions 1
head -1 "$dir/warehouse vacuum (keep 1 version).out" | sed 's/^/  /'

# The same tables either way, row for row (DuckDB, when installed: scripts/setup.sh bench) ...
if python3 -c "import duckdb" 2>/dev/null; then
  python3 bench/same_tables.py "$dir/wh-full" "$dir/wh-daily"
fi
# ... and the same numbers through Boltic's own query path.
for q in '{"explore":"orders","fields":["orders.status","orders.order_count","orders.revenue"]}' \
         '{"explore":"orders","fields":["customers.customer_group_type","orders.order_count"]}'; do
  a=$(echo "$q" | "$boltic" --quiet query - --format csv --warehouse "$dir/wh-full")
  b=$(echo "$q" | "$boltic" --quiet query - --format csv --warehouse "$dir/wh-daily")
  [ "$a" = "$b" ] || { echo "the warehouses differ on $q:"; diff <(echo "$a") <(echo "$b"); exit 1; }
done
echo "full build and daily runs agree (orders by status, by customer group)"

f=$(cat "$dir/flat pipeline (one run).secs")
u=$(cat "$dir/full build over 11 loads.secs")
i=$(cat "$dir/one daily batch (incremental).secs")
awk -v f="$f" -v u="$u" -v i="$i" 'BEGIN {
  printf "one batch / full build: %.2f   full build over loads / flat pipeline: %.2f\n", i / u, u / f }'
