#!/usr/bin/env bash
# Sets up a fresh machine and runs the Air Boltic demo: generate raw data, build the warehouse,
# print the summary. ORDERS (default 100000) sets the scale; data goes under ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# A debug build compiles in minutes and handles the demo scale in seconds; use
# `cargo build --release` (and target/release/boltic) for tens of millions of orders.
cargo build --locked -p boltic-server
boltic=target/debug/boltic
orders=${ORDERS:-100000}
$boltic generate --orders "$orders" --seed 42 --out data/raw
$boltic pipeline run --raw data/raw --warehouse data/warehouse --project demo/air_boltic
echo
echo "The warehouse is in data/warehouse; its manifest: data/warehouse/_boltic/manifest.json"
