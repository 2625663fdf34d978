"""Times the battery questions through Boltic's HTTP API and in DuckDB (see bench/api.sh).

Usage: api_bench.py <server url> <warehouse folder>
The API key is read from the file BOLTIC_BENCH_KEY_FILE names.
"""
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

import duckdb


def published_manifest(warehouse):
    """The newest readable entry of the manifest log (or the manifest of format 1)."""
    log = os.path.join(warehouse, "_boltic", "manifest")
    entries = sorted(os.listdir(log), reverse=True) if os.path.isdir(log) else []
    for name in entries:
        try:
            return json.load(open(os.path.join(log, name)))
        except (ValueError, OSError):
            continue
    return json.load(open(os.path.join(warehouse, "_boltic", "manifest.json")))

RUNS = 7
CACHED = 500

QUESTIONS = {
    "a revenue, orders by group type": (
        {"explore": "orders",
         "fields": ["customers.customer_group_type", "orders.revenue", "orders.order_count"]},
        """SELECT c.customer_group_type, SUM(o.price_eur), COUNT(o.order_id)
           FROM fact_orders o LEFT JOIN dim_customers c ON o.customer_id = c.customer_id
           GROUP BY 1""",
    ),
    "b finished by month, manufacturer": (
        {"explore": "orders",
         "fields": ["trips.start_month", "aeroplanes.manufacturer", "orders.order_count"],
         "filters": {"orders.status": "Finished"}},
        """SELECT date_trunc('month', t.start_timestamp), a.manufacturer, COUNT(o.order_id)
           FROM fact_orders o
           LEFT JOIN fact_trips t ON o.trip_id = t.trip_id
           LEFT JOIN dim_aeroplane a ON t.aeroplane_id = a.aeroplane_id
           WHERE o.status = 'Finished'
           GROUP BY 1, 2""",
    ),
    "c top 10 cities by customers": (
        {"explore": "orders",
         "fields": ["orders.destination_city", "orders.distinct_customers"],
         "sorts": [{"field": "orders.distinct_customers", "desc": True}], "limit": 10},
        """SELECT destination_city, COUNT(DISTINCT customer_id) AS n FROM fact_orders
           GROUP BY 1 ORDER BY n DESC LIMIT 10""",
    ),
}


def main():
    url, warehouse = sys.argv[1], sys.argv[2]
    host = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(host.hostname, host.port)
    key = open(os.environ["BOLTIC_BENCH_KEY_FILE"]).read().strip()
    headers = {"Content-Type": "application/json", "Authorization": "Bearer " + key}

    def ask(query, cached):
        path = "/api/v1/query" + ("" if cached else "?cache=false")
        start = time.perf_counter()
        conn.request("POST", path, json.dumps(query), headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            sys.exit(f"query failed: {response.status} {body[:300]!r}")
        return elapsed, json.loads(body)

    manifest = published_manifest(warehouse)
    db = duckdb.connect()
    db.execute("SET threads = %d" % os.cpu_count())
    for name, table in manifest["tables"].items():
        if table.get("files"):  # format 2: exactly the listed files
            files = ", ".join("'%s'" % os.path.join(warehouse, f["path"]) for f in table["files"])
            db.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{files}])")
            continue
        path = os.path.join(warehouse, table["path"])
        pattern = os.path.join(path, "*.parquet") if os.path.isdir(path) else path
        db.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{pattern}')")

    print(f"{'question':36} {'boltic API':>11} {'duckdb':>9} {'ratio':>6} {'cached p50':>11}")
    ratios = []
    for name, (query, sql) in QUESTIONS.items():
        ask(query, cached=False)  # warm the file system cache for both
        boltic = statistics.median(ask(query, cached=False)[0] for _ in range(RUNS))
        rows = ask(query, cached=False)[1]["rows"]
        db.execute(sql).fetchall()
        duck_times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            duck_rows = db.execute(sql).fetchall()
            duck_times.append(time.perf_counter() - start)
        duck = statistics.median(duck_times)
        if len(rows) != len(duck_rows):
            sys.exit(f"{name}: boltic has {len(rows)} rows, duckdb {len(duck_rows)}")
        ask(query, cached=True)
        p50 = statistics.median(ask(query, cached=True)[0] for _ in range(CACHED))
        ratios.append(boltic / duck)
        print(f"{name:36} {boltic*1e3:9.1f}ms {duck*1e3:7.1f}ms {boltic/duck:6.2f} {p50*1e3:9.3f}ms")
    print(f"{'geometric mean ratio':36} {statistics.geometric_mean(ratios):29.2f}")

    # Cached throughput with wrk: 2 threads, 32 connections, question (a).
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        body = json.dumps(QUESTIONS["a revenue, orders by group type"][0]).replace('"', '\\"')
        lua.write('wrk.method = "POST"\nwrk.body = "%s"\n' % body)
        lua.write('wrk.headers["Content-Type"] = "application/json"\n')
        lua.write('wrk.headers["Authorization"] = "Bearer %s"\n' % key)
    out = subprocess.run(
        ["wrk", "-t2", "-c32", "-d10s", "-s", lua.name, "--latency", url + "/api/v1/query"],
        capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    rps = next(l.split()[1] for l in out.splitlines() if l.startswith("Requests/sec"))
    p50 = next(l.split()[1] for l in out.splitlines() if l.strip().startswith("50%"))
    print(f"cached throughput (wrk -t2 -c32 10s, question a): {rps} requests/s, p50 {p50}")


if __name__ == "__main__":
    main()
