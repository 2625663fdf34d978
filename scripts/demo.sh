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
db=data/boltic.db
# A demo admin and a viewer who sees the Company customer group only (the demo model filters
# explores by the group_type attribute). New passwords on every run, printed once, never stored.
users=$($boltic users list --database "$db" | cut -f1)
account() { # email name role -> prints the new password
  if grep -qx "$1" <<<"$users"; then
    $boltic users reset-password "$1" --database "$db" 2>/dev/null | sed -n 1p
  else
    $boltic users add --email "$1" --name "$2" --role "$3" --database "$db" 2>/dev/null | sed -n 1p
  fi
}
admin_password=$(account admin@example.com "Demo admin" admin)
viewer_password=$(account viewer@example.com "Demo viewer" viewer)
$boltic users set-attribute viewer@example.com group_type Company --database "$db" >/dev/null
key=$($boltic keys create --email admin@example.com --name demo --database "$db" 2>/dev/null)
cat <<MSG

The warehouse is in data/warehouse; its manifest: data/warehouse/_boltic/manifest.json
Open the web app and log in: http://$listen/login
  admin   admin@example.com   $admin_password
  viewer  viewer@example.com  $viewer_password   (sees the Company customer group only)
Or ask it a question from another terminal, with the admin's API key:

  key=$key
  curl -s http://$listen/api/v1/query -H "Authorization: Bearer \$key" -H 'Content-Type: application/json' \\
    -d '{"explore": "orders", "fields": ["customers.customer_group_type", "orders.revenue", "orders.order_count"]}'

MSG
exec $boltic serve --project demo/air_boltic --warehouse data/warehouse --listen "$listen" --database data/boltic.db
