"""The broad benchmark: analyst questions through Boltic's HTTP API against hand-written DuckDB
SQL on the same Parquet files (see bench/battery.sh).

Usage: battery.py <server url> <warehouse folder> [question id ...]
The API key is read from the file BOLTIC_BENCH_KEY_FILE names. BENCH_RUNS (default 5) sets the
timed runs per question and side.

Every question is checked first: Boltic's rows (and totals, pivot totals) must equal DuckDB's,
compared as sorted rows with numbers equal to 1e-6 relative (DataFusion and DuckDB interpolate percentiles with different rounding) and times as wall-clock instants of
the question's time zone. A question that differs stops the run; none is timed on a wrong
answer. A question the server answers with an error (e.g. memory_limit_exceeded) is printed as
refused with DuckDB's time, the run goes on, and the script fails at the end. Then each side runs BENCH_RUNS times (uncached through the API, `?cache=false`; DuckDB
in-process with all cores) after one warm-up, and the medians are compared. Field values of a
text dimension are searched in the server's suggestion index (the field's distinct values, read
once per warehouse version after the field's first search; `cache=false` does not skip it), so for
them the first search, answered with SQL before the values are read, is printed too.

The questions cover every feature class of the semantic layer: each measure type, tiers, every
filter kind, HAVING, every timeframe in UTC and in other zones, fan-out explores, totals, pivots,
sorts with limits, field values and dashboard tiles. They are what an analyst of the demo would
ask; none was chosen or dropped for being fast or slow. The data ends on 2024-12-30
(`boltic generate --last-day 2024-12-30`), so the fixed dates below fall inside it.
"""
import datetime
import http.client
import json
import math
import os
import statistics
import sys
import time
import urllib.parse

import duckdb

RUNS = int(os.environ.get("BENCH_RUNS", "5"))

# Each question: id, class, request, DuckDB SQL for its rows, and for totals the SQL of the
# totals row (and of the pivot totals). A request is a query for POST /api/v1/query, or
# {"values": (explore, field, q, limit)} for field values, or {"tile": (dashboard, tile, body)}.
# SQL columns come in the order of the request's fields (rows) or measures (totals).
TRIPS_AT = "timezone('{zone}', t.start_timestamp)"
QUESTIONS = [
    # ---- measure types
    ("q01", "count, sum across a many-to-one join",
     {"explore": "orders", "fields": ["customers.customer_group_type", "orders.revenue", "orders.order_count"]},
     """SELECT c.customer_group_type, SUM(o.price_eur), COUNT(o.order_id)
        FROM fact_orders o LEFT JOIN dim_customers c ON o.customer_id = c.customer_id GROUP BY 1"""),
    ("q02", "average, min, max",
     {"explore": "orders", "fields": ["orders.status", "orders.average_price", "orders.min_price", "orders.max_price"]},
     "SELECT status, AVG(price_eur), MIN(price_eur), MAX(price_eur) FROM fact_orders GROUP BY 1"),
    ("q03", "median, sorted with a limit",
     {"explore": "orders", "fields": ["orders.destination_city", "orders.median_price"],
      "sorts": [{"field": "orders.median_price", "desc": True}, {"field": "orders.destination_city"}], "limit": 20},
     """SELECT destination_city, MEDIAN(price_eur) AS m FROM fact_orders GROUP BY 1
        ORDER BY m DESC, destination_city LIMIT 20"""),
    ("q04", "percentile (p90)",
     {"explore": "orders", "fields": ["orders.origin_city", "orders.p90_price"]},
     "SELECT origin_city, quantile_cont(price_eur, 0.9) FROM fact_orders GROUP BY 1"),
    ("q05", "count distinct, top 10",
     {"explore": "orders", "fields": ["orders.destination_city", "orders.distinct_customers"],
      "sorts": [{"field": "orders.distinct_customers", "desc": True}, {"field": "orders.destination_city"}], "limit": 10},
     """SELECT destination_city, COUNT(DISTINCT customer_id) AS n FROM fact_orders GROUP BY 1
        ORDER BY n DESC, destination_city LIMIT 10"""),
    ("q06", "number measure, filtered measure",
     {"explore": "orders", "fields": ["customers.customer_group_name", "orders.revenue_per_order", "orders.finished_revenue", "orders.finished_order_count"]},
     """SELECT c.customer_group_name, SUM(o.price_eur) / NULLIF(COUNT(o.order_id), 0),
               SUM(CASE WHEN o.status = 'Finished' THEN o.price_eur END),
               COUNT(CASE WHEN o.status = 'Finished' THEN o.order_id END)
        FROM fact_orders o LEFT JOIN dim_customers c ON o.customer_id = c.customer_id GROUP BY 1"""),
    ("q07", "min and max of a time",
     {"explore": "trips", "fields": ["aeroplanes.manufacturer", "trips.first_flight", "trips.last_flight"]},
     """SELECT a.manufacturer, timezone('UTC', MIN(t.start_timestamp)), timezone('UTC', MAX(t.start_timestamp))
        FROM fact_trips t LEFT JOIN dim_aeroplane a ON t.aeroplane_id = a.aeroplane_id GROUP BY 1"""),
    # ---- tiers
    ("q08", "price tiers",
     {"explore": "orders", "fields": ["orders.price_tier", "orders.order_count", "orders.revenue"]},
     """SELECT CASE WHEN price_eur IS NULL THEN NULL WHEN price_eur < 500 THEN '< 500'
                    WHEN price_eur < 1000 THEN '[500, 1000)' WHEN price_eur < 2000 THEN '[1000, 2000)'
                    ELSE '>= 2000' END, COUNT(order_id), SUM(price_eur)
        FROM fact_orders GROUP BY 1"""),
    ("q09", "tiers of a joined view, by status",
     {"explore": "orders", "fields": ["aeroplanes.seat_tier", "orders.status", "orders.order_count"]},
     """SELECT CASE WHEN a.max_seats IS NULL THEN NULL WHEN a.max_seats < 100 THEN '< 100'
                    WHEN a.max_seats < 200 THEN '[100, 200)' WHEN a.max_seats < 300 THEN '[200, 300)'
                    ELSE '>= 300' END, o.status, COUNT(o.order_id)
        FROM fact_orders o LEFT JOIN fact_trips t ON o.trip_id = t.trip_id
        LEFT JOIN dim_aeroplane a ON t.aeroplane_id = a.aeroplane_id GROUP BY 1, 2"""),
    # ---- filters
    ("q10", "number range, negation, prefixes",
     {"explore": "orders", "fields": ["orders.origin_city", "orders.order_count", "orders.revenue"],
      "filters": {"orders.price_eur": "[100,1500]", "orders.status": "-Cancelled", "orders.origin_city": "L%,P%"}},
     """SELECT origin_city, COUNT(order_id), SUM(price_eur) FROM fact_orders
        WHERE price_eur BETWEEN 100 AND 1500 AND (status <> 'Cancelled' OR status IS NULL)
          AND (origin_city LIKE 'L%' OR origin_city LIKE 'P%') GROUP BY 1"""),
    ("q11", "contains, not null",
     {"explore": "orders", "fields": ["customers.customer_group_type", "orders.order_count"],
      "filters": {"customers.name": "%son%", "customers.email": "-NULL"}},
     """SELECT c.customer_group_type, COUNT(o.order_id)
        FROM fact_orders o LEFT JOIN dim_customers c ON o.customer_id = c.customer_id
        WHERE c.name LIKE '%son%' AND c.email IS NOT NULL GROUP BY 1"""),
    ("q12", "yes/no filters, by year",
     {"explore": "orders", "fields": ["trips.start_year", "orders.revenue"],
      "filters": {"orders.is_finished": "yes", "customers.has_group": "no"}},
     """SELECT date_trunc('year', timezone('UTC', t.start_timestamp)), SUM(o.price_eur)
        FROM fact_orders o LEFT JOIN fact_trips t ON o.trip_id = t.trip_id
        LEFT JOIN dim_customers c ON o.customer_id = c.customer_id
        WHERE o.status = 'Finished' AND NOT c.has_group GROUP BY 1"""),
    ("q13", "date range, by month (finished orders)",
     {"explore": "orders", "fields": ["trips.start_month", "aeroplanes.manufacturer", "orders.order_count"],
      "filters": {"orders.status": "Finished", "trips.start_date": "2024-01-01 to 2024-07-01"}},
     """SELECT date_trunc('month', timezone('UTC', t.start_timestamp)), a.manufacturer, COUNT(o.order_id)
        FROM fact_orders o LEFT JOIN fact_trips t ON o.trip_id = t.trip_id
        LEFT JOIN dim_aeroplane a ON t.aeroplane_id = a.aeroplane_id
        WHERE o.status = 'Finished' AND timezone('UTC', t.start_timestamp) >= TIMESTAMP '2024-01-01'
          AND timezone('UTC', t.start_timestamp) < TIMESTAMP '2024-07-01' GROUP BY 1, 2"""),
    ("q14", "after a date, any-of numbers, by quarter",
     {"explore": "trips", "fields": ["trips.start_quarter", "trips.trip_count"],
      "filters": {"trips.start_date": "after 2024-03-15", "aeroplanes.max_seats": "88,90,194"}},
     """SELECT date_trunc('quarter', timezone('UTC', t.start_timestamp)), COUNT(t.trip_id)
        FROM fact_trips t LEFT JOIN dim_aeroplane a ON t.aeroplane_id = a.aeroplane_id
        WHERE timezone('UTC', t.start_timestamp) >= TIMESTAMP '2024-03-15' AND a.max_seats IN (88, 90, 194)
        GROUP BY 1"""),
    # ---- HAVING
    ("q15", "HAVING on a sum",
     {"explore": "orders", "fields": ["orders.route", "orders.revenue"],
      "filters": {"orders.revenue": ">200000"}},
     """SELECT origin_city || ' - ' || destination_city, SUM(price_eur) FROM fact_orders
        GROUP BY 1 HAVING SUM(price_eur) > 200000"""),
    ("q16", "HAVING on a distinct count",
     {"explore": "orders", "fields": ["orders.destination_city", "orders.status", "orders.distinct_customers"],
      "filters": {"orders.distinct_customers": ">=1000"}},
     """SELECT destination_city, status, COUNT(DISTINCT customer_id) FROM fact_orders
        GROUP BY 1, 2 HAVING COUNT(DISTINCT customer_id) >= 1000"""),
    # ---- time frames, UTC and other zones
    ("q17", "week (UTC)",
     {"explore": "trips", "fields": ["trips.start_week", "trips.trip_count"]},
     "SELECT date_trunc('week', timezone('UTC', start_timestamp)), COUNT(trip_id) FROM fact_trips GROUP BY 1"),
    ("q18", "week in Europe/Tallinn",
     {"explore": "trips", "fields": ["trips.start_week", "trips.trip_count"], "timezone": "Europe/Tallinn"},
     "SELECT date_trunc('week', timezone('Europe/Tallinn', start_timestamp)), COUNT(trip_id) FROM fact_trips GROUP BY 1"),
    ("q19", "day of week in America/New_York",
     {"explore": "orders", "fields": ["trips.start_day_of_week", "orders.order_count"], "timezone": "America/New_York"},
     """SELECT dayofweek(timezone('America/New_York', t.start_timestamp)), COUNT(o.order_id)
        FROM fact_orders o LEFT JOIN fact_trips t ON o.trip_id = t.trip_id GROUP BY 1"""),
    ("q20", "hour of day in Asia/Tokyo",
     {"explore": "trips", "fields": ["trips.start_hour_of_day", "trips.trip_count"], "timezone": "Asia/Tokyo"},
     "SELECT hour(timezone('Asia/Tokyo', start_timestamp)), COUNT(trip_id) FROM fact_trips GROUP BY 1"),
    ("q21", "date in America/Los_Angeles, one month",
     {"explore": "orders", "fields": ["trips.start_date", "orders.revenue"], "timezone": "America/Los_Angeles",
      "filters": {"trips.start_date": "2024-06"}},
     """SELECT CAST(timezone('America/Los_Angeles', t.start_timestamp) AS DATE), SUM(o.price_eur)
        FROM fact_orders o LEFT JOIN fact_trips t ON o.trip_id = t.trip_id
        WHERE timezone('America/Los_Angeles', t.start_timestamp) >= TIMESTAMP '2024-06-01'
          AND timezone('America/Los_Angeles', t.start_timestamp) < TIMESTAMP '2024-07-01' GROUP BY 1"""),
    ("q22", "month number and name, day of month",
     {"explore": "trips", "fields": ["trips.start_month_num", "trips.start_month_name", "trips.start_day_of_month", "trips.trip_count"]},
     """SELECT month(timezone('UTC', start_timestamp)), monthname(timezone('UTC', start_timestamp)),
               dayofmonth(timezone('UTC', start_timestamp)), COUNT(trip_id) FROM fact_trips GROUP BY 1, 2, 3"""),
    ("q23", "hour and minute of one day in Asia/Kolkata",
     {"explore": "trips", "fields": ["trips.start_hour", "trips.start_minute", "trips.trip_count"], "timezone": "Asia/Kolkata",
      "filters": {"trips.start_date": "2024-06-01"}},
     """SELECT date_trunc('hour', timezone('Asia/Kolkata', start_timestamp)),
               date_trunc('minute', timezone('Asia/Kolkata', start_timestamp)), COUNT(trip_id) FROM fact_trips
        WHERE timezone('Asia/Kolkata', start_timestamp) >= TIMESTAMP '2024-06-01'
          AND timezone('Asia/Kolkata', start_timestamp) < TIMESTAMP '2024-06-02' GROUP BY 1, 2"""),
    # ---- fan-out explores
    ("q24", "fan-out: trips with their orders",
     {"explore": "trips", "fields": ["aeroplanes.manufacturer", "trips.trip_count", "trips.seats_offered", "orders.order_count"]},
     """WITH t AS (SELECT a.manufacturer, COUNT(t.trip_id) AS trips, SUM(t.max_seats) AS seats
                  FROM fact_trips t LEFT JOIN dim_aeroplane a ON t.aeroplane_id = a.aeroplane_id GROUP BY 1),
             o AS (SELECT a.manufacturer, COUNT(o.order_id) AS orders
                  FROM fact_trips t LEFT JOIN dim_aeroplane a ON t.aeroplane_id = a.aeroplane_id
                  LEFT JOIN fact_orders o ON t.trip_id = o.trip_id GROUP BY 1)
        SELECT t.manufacturer, t.trips, t.seats, o.orders FROM t JOIN o ON t.manufacturer IS NOT DISTINCT FROM o.manufacturer"""),
    ("q25", "fan-out: customers with their orders",
     {"explore": "customers", "fields": ["customers.customer_group_type", "customers.customer_count", "orders.revenue"]},
     """WITH c AS (SELECT customer_group_type, COUNT(customer_id) AS n FROM dim_customers GROUP BY 1),
             o AS (SELECT c.customer_group_type, SUM(o.price_eur) AS revenue
                  FROM dim_customers c LEFT JOIN fact_orders o ON c.customer_id = o.customer_id GROUP BY 1)
        SELECT c.customer_group_type, c.n, o.revenue FROM c JOIN o ON c.customer_group_type IS NOT DISTINCT FROM o.customer_group_type"""),
    ("q26", "fan-out: load factor by year (a measure across views)",
     {"explore": "trips", "fields": ["trips.start_year", "trips.load_factor", "trips.trip_hours"]},
     """WITH t AS (SELECT date_trunc('year', timezone('UTC', start_timestamp)) AS y, SUM(max_seats) AS seats,
                         SUM(duration_minutes / 60.0) AS hours FROM fact_trips GROUP BY 1),
             o AS (SELECT date_trunc('year', timezone('UTC', t.start_timestamp)) AS y, COUNT(o.order_id) AS orders
                  FROM fact_trips t LEFT JOIN fact_orders o ON t.trip_id = o.trip_id GROUP BY 1)
        SELECT t.y, CAST(o.orders AS DOUBLE) / NULLIF(t.seats, 0), t.hours FROM t JOIN o ON t.y IS NOT DISTINCT FROM o.y"""),
    # ---- totals, pivots, sorts with limits
    ("q27", "totals",
     {"explore": "orders", "fields": ["orders.status", "customers.customer_group_type", "orders.revenue", "orders.distinct_customers"], "totals": True},
     """SELECT o.status, c.customer_group_type, SUM(o.price_eur), COUNT(DISTINCT o.customer_id)
        FROM fact_orders o LEFT JOIN dim_customers c ON o.customer_id = c.customer_id GROUP BY 1, 2""",
     "SELECT SUM(price_eur), COUNT(DISTINCT customer_id) FROM fact_orders"),
    ("q28", "pivot with totals",
     {"explore": "orders", "fields": ["trips.start_quarter", "orders.status", "orders.revenue", "orders.order_count"],
      "pivots": ["orders.status"], "totals": True},
     """SELECT date_trunc('quarter', timezone('UTC', t.start_timestamp)), o.status, SUM(o.price_eur), COUNT(o.order_id)
        FROM fact_orders o LEFT JOIN fact_trips t ON o.trip_id = t.trip_id GROUP BY 1, 2""",
     "SELECT SUM(price_eur), COUNT(order_id) FROM fact_orders",
     "SELECT status, SUM(price_eur), COUNT(order_id) FROM fact_orders GROUP BY 1"),
    ("q29", "top 20 routes by revenue",
     {"explore": "orders", "fields": ["orders.route", "orders.revenue", "orders.order_count"],
      "sorts": [{"field": "orders.revenue", "desc": True}, {"field": "orders.route"}], "limit": 20},
     """SELECT origin_city || ' - ' || destination_city AS r, SUM(price_eur) AS rev, COUNT(order_id) FROM fact_orders
        GROUP BY 1 ORDER BY rev DESC, r LIMIT 20"""),
    ("q30", "many rows: orders by customer, first 1000 by id",
     {"explore": "orders", "fields": ["customers.customer_id", "orders.order_count", "orders.revenue"],
      "sorts": [{"field": "customers.customer_id"}], "limit": 1000},
     """SELECT c.customer_id, COUNT(o.order_id), SUM(o.price_eur)
        FROM fact_orders o LEFT JOIN dim_customers c ON o.customer_id = c.customer_id
        GROUP BY 1 ORDER BY 1 NULLS LAST LIMIT 1000"""),
    # ---- an explore of its own, field values, dashboard tiles
    ("q31", "finished orders explore, default filter replaced",
     {"explore": "finished_orders", "fields": ["trips.start_month", "orders.revenue"],
      "filters": {"trips.start_date": "2024"}},
     """SELECT date_trunc('month', timezone('UTC', t.start_timestamp)), SUM(o.price_eur)
        FROM fact_orders o LEFT JOIN fact_trips t ON o.trip_id = t.trip_id
        WHERE o.status = 'Finished' AND timezone('UTC', t.start_timestamp) >= TIMESTAMP '2024-01-01'
          AND timezone('UTC', t.start_timestamp) < TIMESTAMP '2025-01-01' GROUP BY 1"""),
    ("q32", "field values containing 'an' (case-sensitive, as documented)",
     {"values": ("orders", "orders.destination_city", "an", 100)},
     """SELECT DISTINCT destination_city FROM fact_orders WHERE destination_city LIKE '%an%'
        ORDER BY 1 LIMIT 100"""),
    ("q33", "field values of customer names containing 'son'",
     {"values": ("orders", "customers.name", "son", 1000)},
     # suggestions come from the explore, as Looker's do: names of customers with orders
     """SELECT DISTINCT c.name FROM fact_orders o LEFT JOIN dim_customers c ON o.customer_id = c.customer_id
        WHERE c.name LIKE '%son%' ORDER BY 1 LIMIT 1000"""),
    ("q34", "dashboard tile: revenue by month, finished orders",
     {"tile": ("revenue_overview", "revenue_by_month", {"filters": {"orders.status": "Finished"}})},
     """SELECT date_trunc('month', timezone('UTC', t.start_timestamp)), SUM(o.price_eur)
        FROM fact_orders o LEFT JOIN fact_trips t ON o.trip_id = t.trip_id
        WHERE o.status = 'Finished' GROUP BY 1"""),
    ("q35", "dashboard tile: trips by manufacturer, one year",
     {"tile": ("fleet_utilisation", "trips_by_manufacturer", {"filters": {"trips.start_date": "2024"}})},
     """SELECT a.manufacturer, COUNT(t.trip_id)
        FROM fact_trips t LEFT JOIN dim_aeroplane a ON t.aeroplane_id = a.aeroplane_id
        WHERE timezone('UTC', t.start_timestamp) >= TIMESTAMP '2024-01-01'
          AND timezone('UTC', t.start_timestamp) < TIMESTAMP '2025-01-01' GROUP BY 1"""),
]


def published_manifest(warehouse):
    """The newest readable entry of the manifest log."""
    log = os.path.join(warehouse, "_boltic", "manifest")
    for name in sorted(os.listdir(log), reverse=True):
        try:
            return json.load(open(os.path.join(log, name)))
        except (ValueError, OSError):
            continue
    sys.exit(f"no readable manifest under {log}")


def wall_clock(value):
    """An API time (ISO-8601, with its zone's offset) or a DuckDB date/time as the naive
    wall-clock time it names; anything else as it is."""
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed.replace(tzinfo=None)
        except ValueError:
            return value
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    return value


def normal(row):
    return tuple(float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else wall_clock(v)
                 for v in row)


def sort_key(row):
    return tuple((v is None, str(type(v)), v if v is not None else 0) for v in row)


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return a == b


def same_rows(api_rows, duck_rows):
    """None when equal, else what differs."""
    a = sorted((normal(r) for r in api_rows), key=sort_key)
    b = sorted((normal(r) for r in duck_rows), key=sort_key)
    if len(a) != len(b):
        return f"boltic has {len(a)} rows, duckdb {len(b)}"
    for x, y in zip(a, b):
        if len(x) != len(y) or not all(same(u, v) for u, v in zip(x, y)):
            return f"first difference: boltic {x}, duckdb {y}"
    return None


class Refused(Exception):
    """The server answered a question with an error (e.g. over its memory limit)."""


class Api:
    def __init__(self, url, key):
        self.host = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(self.host.hostname, self.host.port)
        self.headers = {"Content-Type": "application/json", "Authorization": "Bearer " + key}

    def call(self, method, path, body=None):
        for attempt in range(2):
            start = time.perf_counter()
            try:
                self.conn.request(method, path, None if body is None else json.dumps(body), self.headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (ConnectionError, http.client.RemoteDisconnected):
                # the server closed an idle keep-alive connection (DuckDB's turn was long):
                # a new one, and the request again (timed from there)
                if attempt:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host.hostname, self.host.port)
        elapsed = time.perf_counter() - start
        if response.status != 200:
            try:
                code = json.loads(data)["code"]
            except (ValueError, KeyError, TypeError):
                code = repr(data[:300])
            raise Refused(f"{method} {path}: {response.status} {code}")
        return elapsed, json.loads(data)

    def ask(self, request):
        """(seconds, rows as lists, totals, pivot totals) of a question, uncached."""
        if "values" in request:
            explore, field, q, limit = request["values"]
            path = (f"/api/v1/explores/{explore}/fields/{field}/values?cache=false&"
                    + urllib.parse.urlencode({"q": q, "limit": limit}))
            elapsed, answer = self.call("GET", path)
            return elapsed, [[v] for v in answer["values"]], None, None, None
        if "tile" in request:
            dashboard, tile, body = request["tile"]
            elapsed, answer = self.call("POST", f"/api/v1/dashboards/{dashboard}/tiles/{tile}/query?cache=false", body)
        else:
            elapsed, answer = self.call("POST", "/api/v1/query?cache=false", request)
        names = [f["name"] for f in answer["fields"]]
        measures = [f["name"] for f in answer["fields"] if f["kind"] == "measure"]
        pivots = [f["name"] for f in answer["fields"] if f.get("pivot")]
        rows = [[r.get(n) for n in names] for r in answer["rows"]]
        totals = [[answer["totals"].get(m) for m in measures]] if answer.get("totals") else None
        pivot_totals = ([[r.get(n) for n in pivots + measures] for r in answer["pivot_totals"]]
                        if answer.get("pivot_totals") else None)
        return elapsed, rows, totals, pivot_totals, answer


def main():
    url, warehouse = sys.argv[1], sys.argv[2]
    only = set(sys.argv[3:])
    api = Api(url, open(os.environ["BOLTIC_BENCH_KEY_FILE"]).read().strip())
    manifest = published_manifest(warehouse)
    db = duckdb.connect()
    db.execute("SET threads = %d" % os.cpu_count())
    db.execute("SET TimeZone = 'UTC'")
    for name, table in manifest["tables"].items():
        files = ", ".join("'%s'" % os.path.join(warehouse, f["path"]) for f in table["files"])
        db.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{files}])")

    def duck(sqls):
        start = time.perf_counter()
        results = [db.execute(sql).fetchall() for sql in sqls]
        return time.perf_counter() - start, results

    print(f"{'question':60} {'boltic API':>11} {'duckdb':>9} {'ratio':>6} {'rows':>6}")
    ratios = []
    refused = []
    for qid, what, request, *sqls in QUESTIONS:
        if only and qid not in only:
            continue
        # check first: the same answer, rows and totals
        try:
            first, rows, totals, pivot_totals, _ = api.ask(request)
        except Refused as error:
            # an error answer is reported and the run goes on (a wrong answer stops it)
            theirs, _ = duck(sqls)
            refused.append(qid)
            print(f"{qid} {what:56} {'refused':>11} {theirs*1e3:7.1f}ms  {error}")
            continue
        _, results = duck(sqls)
        checks = [("rows", rows, results[0])]
        if len(sqls) > 1:
            checks.append(("totals", totals or [], results[1]))
        if len(sqls) > 2:
            checks.append(("pivot totals", pivot_totals or [], results[2]))
        for part, ours, theirs in checks:
            problem = same_rows(ours, theirs)
            if problem:
                sys.exit(f"{qid} {what}: {part} differ: {problem}")
        ours = statistics.median(api.ask(request)[0] for _ in range(RUNS))
        theirs = statistics.median(duck(sqls)[0] for _ in range(RUNS))
        ratios.append((ours / theirs, qid, what))
        print(f"{qid} {what:56} {ours*1e3:9.1f}ms {theirs*1e3:7.1f}ms {ours/theirs:6.2f} {len(rows):6}")
        if "values" in request:
            # a text field's values are searched in the list the server reads once per version
            # (the suggestion index; cache=false does not skip it) after a field's first search,
            # which is answered with SQL
            print(f"    first search of the field (before its values are read): {first*1e3:.1f}ms "
                  f"({first/theirs:.2f}x DuckDB's median)")
    if ratios:
        worst = max(ratios)
        print(f"{'geometric mean of the ratios':60} {statistics.geometric_mean(r for r, _, _ in ratios):29.2f}")
        print(f"worst: {worst[1]} {worst[2]} at {worst[0]:.2f}x DuckDB; "
              f"{sum(r > 1.2 for r, _, _ in ratios)} of {len(ratios)} questions above 1.2x")
    if refused:
        sys.exit(f"{len(refused)} question(s) answered with an error: {' '.join(refused)}")


if __name__ == "__main__":
    main()
