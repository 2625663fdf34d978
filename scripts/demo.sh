#!/usr/bin/env bash
# Sets up a fresh machine and runs the Air Boltic demo: generate raw data, build the warehouse,
# print the summary, then serve the query API on http://127.0.0.1:3000 until Ctrl-C.
# ORDERS (default 100000) sets the scale; data goes under ./data; LISTEN changes the address.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# A debug build compiles in minutes and handles the demo scale in seconds; use
# `cargo build --release` (and target/release/boltic) for tens of millions of orders.
cargo build --locked -p boltic-server
scripts/build-frontend.sh   # the web app's browser bundle into target/site
boltic=${CARGO_TARGET_DIR:-target}/debug/boltic
orders=${ORDERS:-100000}
$boltic generate --orders "$orders" --seed 42 --out data/raw
$boltic pipeline run --raw data/raw --warehouse data/warehouse --project demo/air_boltic
listen=${LISTEN:-127.0.0.1:3000}
cat <<MSG

The warehouse is in data/warehouse; its manifest: data/warehouse/_boltic/manifest.json
Open the web app: http://$listen/ (explores: http://$listen/explore/orders)
Or ask it a question from another terminal:

  curl -s http://$listen/api/v1/query -H 'Content-Type: application/json' \\
    -d '{"explore": "orders", "fields": ["customers.customer_group_type", "orders.revenue", "orders.order_count"]}'

MSG
exec $boltic serve --project demo/air_boltic --warehouse data/warehouse --listen "$listen" --database data/boltic.db
