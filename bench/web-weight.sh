#!/usr/bin/env bash
# Benchmark of the web app's weight (not a test: it prints figures): the browser assets' sizes
# (raw, gzip, and what the server sends), then bench/web-weight.mjs in headless Debian Chromium
# (time to a usable field list and to a drawn chart, median of 5 fresh-cache runs, and the bytes
# transferred by kind of resource).
#
#   bench/web-weight.sh [runs]       default 5; data under target/bench/web-weight (not committed)
#
# Builds the browser bundle (scripts/build-frontend.sh) and the server (debug, like
# scripts/demo.sh), makes a 100,000-order demo warehouse (reused when there) and an admin with an
# API key, and starts `boltic serve` on 127.0.0.1 as the demo does.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
site=${SITE_DIR:-target/site}
if [ -z "${BOLTIC_BIN:-}" ]; then
  scripts/build-frontend.sh
  cargo build --locked -p boltic-server 2>&1 | tail -1
fi
boltic=${BOLTIC_BIN:-${CARGO_TARGET_DIR:-target}/debug/boltic}
dir=target/bench/web-weight
mkdir -p "$dir"
if [ ! -f "$dir/wh/_boltic/manifest.json" ]; then
  rm -rf "$dir/raw" "$dir/wh"
  "$boltic" --quiet generate --orders 100000 --seed 42 --out "$dir/raw" >/dev/null
  "$boltic" --quiet pipeline run --raw "$dir/raw" --warehouse "$dir/wh" --project demo/air_boltic >/dev/null
fi
db="$dir/boltic.db"
rm -f "$db"
python3 -c 'import secrets; print(secrets.token_urlsafe(16))' | "$boltic" --quiet users --database "$db" \
  add --email admin@example.com --name Admin --role admin --password-stdin >/dev/null
key=$("$boltic" --quiet keys --database "$db" create --email admin@example.com --name web-weight | tail -n 1)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$boltic" serve --project demo/air_boltic --warehouse "$dir/wh" --listen "127.0.0.1:$port" \
  --site-dir "$site" --poll-interval-ms 0 --database "$db" 2> "$dir/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 200); do
  curl -sf "http://127.0.0.1:$port/api/v1/ready" >/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$dir/serve.log" >&2; exit 1; }
  sleep 0.1
done

echo "== web app weight: $(nproc) cores, $site/pkg =="
kib() { awk -v n="$1" 'BEGIN { printf "%.1f KiB", n / 1024 }'; }
# what the server sends for an Accept-Encoding: size and Content-Encoding
sent() { curl -s -o /dev/null -w '%{size_download} %header{content-encoding}' -H "Accept-Encoding: $2" \
  "http://127.0.0.1:$port/pkg/$1" | { read -r size enc; echo "$(kib "$size") ${enc:-identity}"; }; }
for f in "$site"/pkg/*.wasm "$site"/pkg/*.js "$site"/pkg/*.css; do
  [ -f "$f" ] || continue
  name=${f##*/}
  printf '%-24s raw %12s  gzip -9 %12s  sent for gzip: %-18s sent for br: %s\n' "$name" \
    "$(kib "$(stat -c %s "$f")")" "$(kib "$(gzip -9 -c "$f" | wc -c)")" "$(sent "$name" gzip)" "$(sent "$name" 'br, gzip')"
done
BOLTIC_URL="http://127.0.0.1:$port" BOLTIC_KEY="$key" node bench/web-weight.mjs "$runs"
