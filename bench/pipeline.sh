#!/usr/bin/env bash
# Benchmark: generate N orders, build the warehouse with boltic, and do the same CSV -> Parquet
# work in DuckDB on the same files. Prints wall time and peak memory of each step.
#
#   bench/pipeline.sh [orders]      default 10000000; data under target/bench/ (not committed;
#                                   BOLTIC_BENCH_DATA moves it); BOLTIC_BIN: a binary already built
#   BENCH_MEMORY_CAP_MIB=2048 bench/pipeline.sh 100000000     # boltic's steps capped (cgroup)
set -euo pipefail
cd "$(dirname "$0")/.."
orders=${1:-10000000}
scripts/setup.sh bench >/dev/null
label_width=34
source bench/lib.sh
release_boltic
boltic=$(realpath "$boltic")
dir=${BOLTIC_BENCH_DATA:-target/bench}/pipeline-$orders
rm -rf "$dir" && mkdir -p "$dir"

echo "Air Boltic pipeline, $orders orders, $(nproc) cores${BENCH_MEMORY_CAP_MIB:+, boltic capped at $BENCH_MEMORY_CAP_MIB MiB}"
cap_memory "${BENCH_MEMORY_CAP_MIB:-}"
measure "boltic generate" "${capped[@]}" "$boltic" --quiet generate --orders "$orders" --seed 42 --out "$dir/raw"
echo "  raw files: $(du -sh "$dir/raw" | cut -f1)"
measure "boltic pipeline run" "${capped[@]}" "$boltic" --quiet pipeline run --raw "$dir/raw" --warehouse "$dir/wh" --project demo/air_boltic
grep -E "^timings|^data tests" "$dir/boltic pipeline run.out" | sed 's/^/  /'
cap_done
measure "duckdb (same CSV -> Parquet work)" python3 bench/duckdb_pipeline.py "$dir/raw" "$dir/duckdb"
sed 's/^/  /' "$dir/duckdb (same CSV -> Parquet work).out"
b=$(cat "$dir/boltic pipeline run.secs"); d=$(cat "$dir/duckdb (same CSV -> Parquet work).secs")
awk -v b="$b" -v d="$d" 'BEGIN { printf "boltic / duckdb time ratio: %.2f\n", b / d }'
