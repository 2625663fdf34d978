#!/usr/bin/env bash
# Soak test: a mixed load against one `boltic serve` for a while, with publishes and model
# reloads during it, checking answers against DuckDB and sampling the server over time.
#
#   bench/soak.sh [minutes] [orders]    default: 10 minutes, 200000 orders; data under target/soak/
#
# Builds a release binary unless BOLTIC_BIN names one. Copies demo/air_boltic to a scratch
# project (the model reloads edit its semantic files, never the repository's), builds the first
# warehouse version, makes an admin user with an API key in a fresh app database (the key goes
# to a file, never to the terminal), starts `boltic serve` polling every second, and runs
# bench/soak.py, which prints one line per sample (RSS, open files, requests/s, p50/p99, 4xx/5xx,
# served version) and a summary. Exits non-zero on any 5xx, transport error, unexpected 4xx,
# wrong answer, failed publish or model reload, or an ERROR or panic in the server log.
#
# Knobs (environment): SOAK_CLIENTS (4 client threads), SOAK_RATE (requests/s over all clients,
# 0 = as fast as they can; default 0), SOAK_PUBLISH_SECS (60), SOAK_RELOAD_SECS (45),
# SOAK_CHECK_SECS (30), SOAK_SAMPLE_SECS (5), SOAK_WARMUP_SECS (120, at most a third of the run),
# BOLTIC_SOAK_PORT (3991).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
orders=${2:-200000}
scripts/setup.sh bench >/dev/null
if [ -z "${BOLTIC_BIN:-}" ]; then
  cargo build --release --locked -p boltic-server 2>&1 | tail -1
fi
boltic=${BOLTIC_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/boltic}
port=${BOLTIC_SOAK_PORT:-3991}
dir=$PWD/target/soak

rm -rf "$dir" && mkdir -p "$dir/raw"
cp -r demo/air_boltic "$dir/project"

"$boltic" --quiet generate --orders "$orders" --seed 42 --out "$dir/raw/42" >/dev/null
"$boltic" --quiet pipeline run --raw "$dir/raw/42" --warehouse "$dir/wh" --project "$dir/project" \
  > "$dir/pipeline-42.log" 2>&1 || { cat "$dir/pipeline-42.log" >&2; exit 1; }

# An admin (admins see every row, so DuckDB's unfiltered answers are theirs) with one API key.
export BOLTIC_DATABASE=$dir/boltic.db
"$boltic" users add --email soak@example.com --name Soak --role admin --no-password > "$dir/users.log"
(umask 077 && "$boltic" keys create --email soak@example.com --name soak > "$dir/key" 2>> "$dir/users.log")

"$boltic" serve --project "$dir/project" --warehouse "$dir/wh" --listen "127.0.0.1:$port" \
  --poll-interval-ms 1000 --requests-per-minute 1000000 --database "$dir/boltic.db" \
  2> "$dir/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$port/api/v1/ready" >/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$dir/serve.log" >&2; exit 1; }
  sleep 0.2
done

echo "== soak: $minutes min, $orders orders, $(nproc) cores, $("$boltic" --version) =="
status=0
python3 bench/soak.py --url "http://127.0.0.1:$port" --pid "$server" --boltic "$boltic" \
  --dir "$dir" --minutes "$minutes" --orders "$orders" \
  --clients "${SOAK_CLIENTS:-4}" --rate "${SOAK_RATE:-0}" \
  --publish-secs "${SOAK_PUBLISH_SECS:-60}" --reload-secs "${SOAK_RELOAD_SECS:-45}" \
  --check-secs "${SOAK_CHECK_SECS:-30}" --sample-secs "${SOAK_SAMPLE_SECS:-5}" \
  --warmup-secs "${SOAK_WARMUP_SECS:-120}" || status=$?

kill -0 $server 2>/dev/null || { echo "FAIL: the server is gone" >&2; status=1; }
kill $server 2>/dev/null || true
wait $server 2>/dev/null || true
trap - EXIT
panics=$(grep -c "panicked" "$dir/serve.log" || true)
errors=$(grep -c "ERROR" "$dir/serve.log" || true)
warnings=$(grep -c "WARN" "$dir/serve.log" || true)
echo "server log ($dir/serve.log): $errors ERROR lines, $warnings WARN lines, $panics panics"
[ "$panics" = 0 ] && [ "$errors" = 0 ] || { echo "FAIL: errors in the server log" >&2; status=1; }
exit $status
