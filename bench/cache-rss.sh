#!/usr/bin/env bash
# Memory under many distinct large queries: sends N distinct questions whose SQL is ~9 KB each
# (long number lists) with near-empty answers to a release server on the seed data, and prints
# its RSS every 1,000 queries against the configured bounds (result cache `--cache-mib`, plus
# the compile memo's fixed 16 MiB). Keys count against the cache bound, so RSS must level off.
#
#   bench/cache-rss.sh [queries, default 10000] [cache MiB, default 16]
set -euo pipefail
cd "$(dirname "$0")/.."
queries=${1:-10000}
cache_mib=${2:-16}
scripts/setup.sh bench >/dev/null
if [ -z "${BOLTIC_BIN:-}" ]; then
  cargo build --release --locked -p boltic-server 2>&1 | tail -1
fi
boltic=${BOLTIC_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/boltic}
port=${BOLTIC_BENCH_PORT:-3992}
dir=$PWD/target/cache-rss
rm -rf "$dir" && mkdir -p "$dir"
"$boltic" --quiet pipeline run --raw demo/air_boltic/raw --warehouse "$dir/wh" \
  --project demo/air_boltic >/dev/null
export BOLTIC_DATABASE=$dir/boltic.db
"$boltic" users add --email rss@example.com --name Rss --role admin --no-password >/dev/null
(umask 077 && "$boltic" keys create --email rss@example.com --name rss > "$dir/key" 2>/dev/null)
BOLTIC_REQUESTS_PER_MINUTE=100000000 "$boltic" serve --project demo/air_boltic \
  --warehouse "$dir/wh" --listen "127.0.0.1:$port" --poll-interval-ms 0 \
  --cache-mib "$cache_mib" 2> "$dir/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$port/api/v1/ready" >/dev/null && break
  sleep 0.2
done
echo "== $queries distinct ~9 KB queries, --cache-mib $cache_mib, $("$boltic" --version) =="
python3 - "$port" "$dir/key" "$server" "$queries" "$cache_mib" <<'PY'
import http.client, json, sys, time
port, key_file, pid, queries, cache_mib = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
key = open(key_file).read().strip()
conn = http.client.HTTPConnection("127.0.0.1", int(port))
headers = {"Content-Type": "application/json", "Authorization": "Bearer " + key}

def rss_mib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

def metric(name):
    conn.request("GET", "/metrics", headers=headers)
    r = conn.getresponse()
    text = r.read().decode()
    if r.status != 200:
        return None
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])

start = rss_mib()
print(f"{'queries':>8} {'RSS MiB':>8} {'cache MiB':>10} {'sql KB':>7} {'q/s':>6}")
print(f"{0:8} {start:8.1f}")
sql_kb, t0, samples = 0, time.perf_counter(), []
for i in range(1, queries + 1):
    values = ",".join(str(i * 2000 + v) for v in range(1000))
    body = json.dumps({"explore": "orders", "fields": ["orders.order_count"],
                       "filters": {"orders.price_eur": values}})
    conn.request("POST", "/api/v1/query", body, headers)
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit(f"query {i}: {r.status} {data[:200]!r}")
    sql_kb = len(json.loads(data)["sql"]) / 1024
    if i % 1000 == 0:
        rss = rss_mib()
        samples.append(rss)
        cache = (metric("boltic_cache_bytes") or 0) / 2**20
        print(f"{i:8} {rss:8.1f} {cache:10.1f} {sql_kb:7.1f} {i / (time.perf_counter() - t0):6.0f}")
unbounded = queries * sql_kb / 1024
print(f"RSS {start:.1f} -> {samples[-1]:.1f} MiB (+{samples[-1] - start:.1f}); "
      f"max {max(samples):.1f}; SQL keys sent: {unbounded:.0f} MiB; "
      f"bounds: cache {cache_mib} MiB + compile memo 16 MiB")
half = samples[len(samples) // 2 - 1]
print(f"second half growth: {samples[-1] - half:+.1f} MiB")
PY
