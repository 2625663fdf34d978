#!/usr/bin/env bash
# Browser tests: build the web app, make the users the tests log in as (an admin with an API key
# for the tests' API calls, and an editor whose group_type is Company) with random passwords,
# start `boltic serve` on 127.0.0.1 over a small generated warehouse, and run
# frontend/browser-tests/*.mjs in headless Debian Chromium (playwright-core).
# Screenshots land under target/browser/.
#
#   scripts/browser-test.sh                      # every test
#   scripts/browser-test.sh frontend/browser-tests/charts.mjs ...   # only these
# BOLTIC_BROWSER_DIR (default target/browser-test) holds the warehouse, database and server log,
# so two runs at once can use two folders.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-frontend.sh
cargo build --locked -p boltic-server
boltic=${CARGO_TARGET_DIR:-target}/debug/boltic
dir=${BOLTIC_BROWSER_DIR:-target/browser-test}
rm -rf "$dir"
# a fixed last day: the tests compare with months of 2023 and 2024
$boltic --quiet generate --orders 5000 --seed 7 --last-day 2024-12-30 --out "$dir/raw" >/dev/null
$boltic --quiet pipeline run --raw "$dir/raw" --warehouse "$dir/wh" --project demo/air_boltic >/dev/null
db="$dir/boltic.db"
password() { python3 -c 'import secrets; print(secrets.token_urlsafe(16))'; }
admin_password=$(password)
editor_password=$(password)
viewer_password=$(password)   # access.mjs makes the viewer on the admin page with it
printf '%s' "$admin_password" | $boltic --quiet users --database "$db" add --email admin@example.com \
  --name Admin --role admin --password-stdin >/dev/null
printf '%s' "$editor_password" | $boltic --quiet users --database "$db" add --email editor@example.com \
  --name Editor --role editor --password-stdin >/dev/null
$boltic --quiet users --database "$db" set-attribute editor@example.com group_type Company >/dev/null
admin_key=$($boltic --quiet keys --database "$db" create --email admin@example.com --name browser-tests | tail -n 1)
[[ $admin_key == bk_* ]] || { echo "keys create printed no key" >&2; exit 1; }
export BOLTIC_BIN=$boltic BOLTIC_DIR=$dir BOLTIC_ADMIN_KEY=$admin_key BOLTIC_ADMIN_EMAIL=admin@example.com BOLTIC_ADMIN_PASSWORD=$admin_password \
  BOLTIC_EDITOR_EMAIL=editor@example.com BOLTIC_EDITOR_PASSWORD=$editor_password \
  BOLTIC_VIEWER_PASSWORD=$viewer_password
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BOLTIC_LOG=debug $boltic serve --project demo/air_boltic --warehouse "$dir/wh" --listen "127.0.0.1:$port" \
  --site-dir target/site --poll-interval-ms 0 --database "$db" --login-attempts 50 2> "$dir/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 200); do
  curl -sf "http://127.0.0.1:$port/api/v1/ready" >/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$dir/serve.log" >&2; exit 1; }
  sleep 0.1
done
status=0
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(frontend/browser-tests/*.mjs)
for test in "${tests[@]}"; do
  echo "browser test: $test"
  BOLTIC_URL="http://127.0.0.1:$port" node "$test" || status=1
done
[ $status = 0 ] || { echo "server log:" >&2; tail -50 "$dir/serve.log" >&2; }
# no password, key or session id the tests used reached the server's (debug-level) log
kill $server 2>/dev/null || true
wait $server 2>/dev/null || true
[ "$(wc -l < "$dir/serve.log")" -gt 20 ] || { echo "the server log is too short to judge" >&2; status=1; }
for secret in "$admin_password" "$editor_password" "$viewer_password" "$admin_key" "${admin_key#bk_}"; do
  if grep -qF -- "$secret" "$dir/serve.log"; then
    echo "a secret the tests used is in the server log" >&2
    status=1
  fi
done
if grep -qE 'boltic_session=[A-Za-z0-9_-]{10,}' "$dir/serve.log"; then
  echo "a session cookie is in the server log" >&2
  status=1
fi
exit $status
