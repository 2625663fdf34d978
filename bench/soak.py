"""Soak test of a running `boltic serve` (see bench/soak.sh, which sets everything up).

For --minutes, client threads send a weighted mix of requests (uncached and cached queries,
dashboard tile runs, field values, dashboard edits) while other threads publish new warehouse
versions (`boltic generate` with a new seed, then `boltic pipeline run`), edit a model file
(and sometimes ask for `POST /api/v1/admin/reload`), and spot-check answers against DuckDB on
the Parquet files of the version each answer names. Every --sample-secs one line shows the
server's RSS, open files, CPU, requests/s, p50/p99, 4xx/5xx/transport errors and the version
served; the end is a summary. Exit status 1 on any 5xx, transport error, unexpected status,
wrong answer, failed publish or reload, or a version that is not picked up.
"""
import argparse
import array
import collections
import datetime
import decimal
import http.client
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse

import duckdb

# The load mix: kind -> weight. Edits are one kind here, split by what they did in the stats.
MIX = {"query": 25, "query_cached": 30, "tile": 20, "values": 15, "edit": 10}

# What each kind of request must answer.
EXPECTED = {
    "query": {200}, "query_cached": {200}, "tile": {200}, "values": {200},
    "dash_create": {201}, "dash_update": {200}, "dash_add_tile": {201}, "dash_delete": {204},
    "dash_get": {200}, "check": {200}, "reload": {200}, "explore": {200},
}

# Fields the random (uncached) questions pick from, by explore: (dimensions, measures).
FIELDS = {
    "orders": (
        ["customers.customer_group_type", "orders.status", "orders.destination_city",
         "trips.start_month", "aeroplanes.manufacturer", "orders.price_tier", "orders.route"],
        ["orders.revenue", "orders.order_count", "orders.distinct_customers",
         "orders.average_price", "orders.median_price", "orders.finished_revenue",
         "orders.revenue_per_order"],
    ),
    "trips": (
        ["aeroplanes.manufacturer", "aeroplanes.size", "trips.start_month", "trips.origin_city"],
        ["trips.trip_count", "trips.seats_offered", "trips.trip_hours", "orders.order_count",
         "trips.load_factor"],
    ),
    "customers": (
        ["customers.customer_group_type", "customers.has_email"],
        ["customers.customer_count", "orders.order_count", "orders.revenue"],
    ),
}
STATUS_FILTERS = ["Finished", "Booked", "Cancelled", "Finished,Booked"]

# Cached questions: a small fixed set, so most answers come from the result cache.
CACHED = [
    {"explore": "orders",
     "fields": ["customers.customer_group_type", "orders.revenue", "orders.order_count"]},
    {"explore": "orders",
     "fields": ["trips.start_month", "aeroplanes.manufacturer", "orders.order_count"],
     "filters": {"orders.status": "Finished"}},
    {"explore": "orders",
     "fields": ["orders.destination_city", "orders.distinct_customers"],
     "sorts": [{"field": "orders.distinct_customers", "desc": True}], "limit": 10},
    {"explore": "trips", "fields": ["aeroplanes.manufacturer", "trips.trip_count"]},
    {"explore": "customers", "fields": ["customers.customer_group_type",
                                        "customers.customer_count"]},
]

VALUE_FIELDS = [("orders", "orders.destination_city"), ("orders", "orders.origin_city"),
                ("orders", "customers.customer_group_type"), ("trips", "aeroplanes.manufacturer"),
                ("orders", "orders.status"), ("orders", "customers.name")]
VALUE_SEARCHES = ["", "", "a", "e", "on", "Ta"]

# Spot checks: (name, how it is asked, dimension columns first in the answer, DuckDB SQL).
# {table} names are replaced by read_parquet(...) of the answer's warehouse version. The SQL
# is written by hand from the model (demo/air_boltic/semantic), not by the compiler.
ORDERS_BY_GROUP = """
    SELECT c.customer_group_type, SUM(o.price_eur), COUNT(o.order_id)
    FROM {fact_orders} o LEFT JOIN {dim_customers} c ON o.customer_id = c.customer_id
    GROUP BY 1"""
CHECKS = [
    ("revenue and orders by group (uncached)",
     ("query", False, CACHED[0]), 1, ORDERS_BY_GROUP),
    ("revenue and orders by group (cached)",
     ("query", True, CACHED[0]), 1, ORDERS_BY_GROUP),
    ("finished orders by month and manufacturer",
     ("query", False, CACHED[1]), 2, """
    SELECT strftime(date_trunc('month', t.start_timestamp), '{month_format}'), a.manufacturer,
           COUNT(o.order_id)
    FROM {fact_orders} o
    LEFT JOIN {fact_trips} t ON o.trip_id = t.trip_id
    LEFT JOIN {dim_aeroplane} a ON t.aeroplane_id = a.aeroplane_id
    WHERE o.status = 'Finished'
    GROUP BY 1, 2"""),
    ("finished: distinct customers, median, min, max price by destination",
     ("query", False, {"explore": "orders",
                       "fields": ["orders.destination_city", "orders.distinct_customers",
                                  "orders.median_price", "orders.min_price",
                                  "orders.max_price"],
                       "filters": {"orders.status": "Finished"}}), 1, """
    SELECT destination_city, COUNT(DISTINCT customer_id), MEDIAN(price_eur), MIN(price_eur),
           MAX(price_eur)
    FROM {fact_orders} WHERE status = 'Finished' GROUP BY 1"""),
    ("trips and orders by manufacturer (fan-out)",
     ("query", False, {"explore": "trips",
                       "fields": ["aeroplanes.manufacturer", "trips.trip_count",
                                  "trips.seats_offered", "orders.order_count"]}), 1, """
    WITH t AS (SELECT a.manufacturer, COUNT(t.trip_id) AS trips, SUM(t.max_seats) AS seats
               FROM {fact_trips} t LEFT JOIN {dim_aeroplane} a ON t.aeroplane_id = a.aeroplane_id
               GROUP BY 1),
         o AS (SELECT a.manufacturer, COUNT(o.order_id) AS orders
               FROM {fact_trips} t LEFT JOIN {dim_aeroplane} a ON t.aeroplane_id = a.aeroplane_id
               LEFT JOIN {fact_orders} o ON t.trip_id = o.trip_id GROUP BY 1)
    SELECT t.manufacturer, t.trips, t.seats, o.orders
    FROM t JOIN o ON t.manufacturer IS NOT DISTINCT FROM o.manufacturer"""),
    ("customers by group, with and without orders",
     ("query", False, {"explore": "customers",
                       "fields": ["customers.customer_group_type", "customers.customer_count",
                                  "orders.order_count"]}), 1, """
    SELECT c.customer_group_type, COUNT(DISTINCT c.customer_id), COUNT(o.order_id)
    FROM {dim_customers} c LEFT JOIN {fact_orders} o ON c.customer_id = o.customer_id
    GROUP BY 1"""),
    ("tile revenue_overview/revenue_by_group, status Finished",
     ("tile", "revenue_overview", "revenue_by_group", {"orders.status": "Finished"}), 1, """
    SELECT c.customer_group_type, SUM(o.price_eur)
    FROM {fact_orders} o LEFT JOIN {dim_customers} c ON o.customer_id = c.customer_id
    WHERE o.status = 'Finished' GROUP BY 1"""),
    ("tile fleet_utilisation/trips_by_size",
     ("tile", "fleet_utilisation", "trips_by_size", {}), 1, """
    SELECT a.size, COUNT(t.trip_id)
    FROM {fact_trips} t LEFT JOIN {dim_aeroplane} a ON t.aeroplane_id = a.aeroplane_id
    GROUP BY 1"""),
    ("field values orders.destination_city",
     ("values", "orders", "orders.destination_city"), 1, """
    SELECT DISTINCT destination_city FROM {fact_orders}"""),
]

TABLES = ["fact_orders", "fact_trips", "dim_customers", "dim_aeroplane"]


def now():
    return time.monotonic()


class Log:
    """Lines from any thread, prefixed with the seconds since the start."""

    def __init__(self, start):
        self.start = start
        self.lock = threading.Lock()

    def __call__(self, text):
        with self.lock:
            print(f"{now() - self.start:6.0f}s {text}", flush=True)


class Client:
    """One keep-alive HTTP connection, with the API key; reconnects after a failure."""

    def __init__(self, url, key):
        parsed = urllib.parse.urlparse(url)
        self.host, self.port, self.key = parsed.hostname, parsed.port, key
        self.conn = None
        self.used = 0.0

    def call(self, method, path, body=None):
        """(status, body bytes, seconds); status 0 is a transport error."""
        headers = {"Authorization": "Bearer " + self.key}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        # The server closes connections idle past its header timeout (10 s); a fresh one then.
        if self.conn is not None and now() - self.used > 5:
            self.close()
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
        start = time.perf_counter()
        try:
            self.conn.request(method, path, data, headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            return 0, f"{type(e).__name__}: {e}".encode(), time.perf_counter() - start
        self.used = now()
        if (response.getheader("Connection") or "").lower() == "close":
            self.close()
        return response.status, raw, time.perf_counter() - start

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None


class Stats:
    """Every request's kind, status and latency; a window for the samples."""

    def __init__(self):
        self.lock = threading.Lock()
        self.window = []
        self.latency = collections.defaultdict(lambda: array.array("d"))
        self.status = collections.Counter()
        self.unexpected = []
        self.unexpected_count = 0

    def record(self, kind, status, seconds, body=b""):
        with self.lock:
            self.window.append((seconds, status))
            self.latency[kind].append(seconds)
            self.status[(kind, status)] += 1
            if status not in EXPECTED[kind]:
                self.unexpected_count += 1
                if len(self.unexpected) < 20:
                    self.unexpected.append((kind, status, body[:300].decode(errors="replace")))

    def take_window(self):
        with self.lock:
            w, self.window = self.window, []
        return w


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


class Warehouse:
    """Where each published version's tables are, from whatever manifest layout is present:
    numbered manifests `_boltic/manifest/<N>.json` (highest first), else `_boltic/manifest.json`.
    A table entry's `path` is its folder relative to the warehouse; a `files` list, when given,
    names its files."""

    def __init__(self, root):
        self.root = root
        self.lock = threading.Lock()
        self.known = {}  # version -> {table: DuckDB source expression}
        self.entries = {}  # version -> {table: manifest entry}
        self.read = set()

    def _manifests(self):
        numbered = os.path.join(self.root, "_boltic", "manifest")
        found = []
        if os.path.isdir(numbered):
            for name in os.listdir(numbered):
                stem, ext = os.path.splitext(name)
                if ext == ".json" and stem.isdigit():
                    found.append((int(stem), os.path.join(numbered, name)))
        found.sort(reverse=True)
        paths = [p for _, p in found]
        plain = os.path.join(self.root, "_boltic", "manifest.json")
        if os.path.exists(plain):
            paths.append(plain)
        return paths

    def _source(self, entry):
        files = entry.get("files") or []
        if files:  # format 2: exactly the listed files, each relative to the warehouse
            paths = (os.path.join(self.root, f["path"]) for f in files)
            return "read_parquet([%s])" % ", ".join(f"'{p}'" for p in paths)
        folder = os.path.join(self.root, entry["path"])
        pattern = os.path.join(folder, "*.parquet") if os.path.isdir(folder) else folder
        return f"read_parquet('{pattern}')"

    def _load(self, path):
        """Read one manifest entry and remember its tables; None when it does not parse."""
        try:
            with open(path) as f:
                m = json.load(f)
        except (OSError, ValueError):
            return None
        self._add(m)
        return m

    def _add(self, manifest):
        with self.lock:
            self.entries[manifest["version"]] = manifest["tables"]
            self.known[manifest["version"]] = {n: self._source(t)
                                               for n, t in manifest["tables"].items()}

    def current(self):
        """The newest manifest's version (re-read every time); an entry that does not read
        whole is skipped for its predecessor, as the server does."""
        for path in self._manifests():
            m = self._load(path)
            if m is not None:
                return m["version"]
        return None

    def tables(self, version):
        with self.lock:
            if version in self.known:
                return self.known[version]
        for path in self._manifests():
            # Numbered manifests never change once written; the plain one is replaced.
            if path in self.read and not path.endswith("manifest.json"):
                continue
            self.read.add(path)
            self._load(path)
        with self.lock:
            if version in self.known:
                return self.known[version]
            # An older version that no manifest names any more: same layout, its own folder.
            if os.path.isdir(os.path.join(self.root, "versions", version)):
                for v, entries in self.entries.items():
                    # each table keeps a version's files in `<table root>/<version>/`
                    return {n: self._source({"path": e["path"].replace(f"/{v}/",
                                                                       f"/{version}/")})
                            for n, e in entries.items()}
        raise LookupError(f"no manifest names version {version}")


def canon(v):
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float, decimal.Decimal)):
        return float(v)
    if isinstance(v, (datetime.datetime, datetime.date)):
        return v.isoformat()
    return str(v)


def same_rows(api, duck, dims):
    """Order-insensitive equality; rows are matched by their dimension values, numbers compared
    to a relative 1e-9."""
    if len(api) != len(duck):
        return f"{len(api)} rows, DuckDB {len(duck)}"

    def key(row):
        return tuple((x is None, "" if x is None else str(x)) for x in row[:dims])

    a = sorted((tuple(canon(x) for x in r) for r in api), key=key)
    b = sorted((tuple(canon(x) for x in r) for r in duck), key=key)
    for ra, rb in zip(a, b):
        if len(ra) != len(rb):
            return f"row {ra} has {len(ra)} columns, DuckDB's {len(rb)}"
        for x, y in zip(ra, rb):
            if isinstance(x, float) and isinstance(y, float):
                if not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9):
                    return f"row {ra} vs DuckDB {rb}"
            elif x != y:
                return f"row {ra} vs DuckDB {rb}"
    return None


class Soak:
    def __init__(self, args, key):
        self.args = args
        self.key = key
        self.start = now()
        self.deadline = self.start + args.minutes * 60
        self.log = Log(self.start)
        self.stats = Stats()
        self.project = os.path.join(args.dir, "project")
        self.warehouse = Warehouse(os.path.join(args.dir, "wh"))
        self.failures = collections.Counter()  # what makes the run fail, besides statuses
        self.publishes = []
        self.reloads = []
        self.checks = collections.Counter()
        self.check_versions = collections.Counter()
        self.check_cache = collections.Counter()  # cache status of the cached spot checks
        self.wrong = []
        self.samples = []
        self.tiles = []  # (dashboard, tile, {filter field: [values]})
        self.month_format = "%Y-%m"
        self.stop = threading.Event()

    # --- helpers ---------------------------------------------------------------------------

    def ready(self, client):
        status, body, _ = client.call("GET", "/api/v1/ready")
        return json.loads(body) if status == 200 else None

    def setup(self):
        """The project dashboards' query tiles with values for their filters, and the format
        of month values (read from an answer)."""
        c = Client(self.args.url, self.key)
        status, body, _ = c.call("GET", "/api/v1/dashboards")
        assert status == 200, (status, body[:300])
        values = {}
        for d in json.loads(body):
            if d["source"] != "project":
                continue
            status, body, _ = c.call("GET", f"/api/v1/dashboards/{d['name']}")
            assert status == 200, (status, body[:300])
            dash = json.loads(body)
            choices = {}
            for f in dash["filters"]:
                field = f["field"]
                if field not in values:
                    if field.endswith("_date"):
                        values[field] = ["last 12 months", "last 2 years", ""]
                    else:
                        explore = next(t["query"]["explore"] for t in dash["tiles"]
                                       if t.get("query"))
                        path = (f"/api/v1/explores/{explore}/fields/"
                                f"{urllib.parse.quote(field)}/values?limit=20")
                        status, body, _ = c.call("GET", path)
                        assert status == 200, (path, status, body[:300])
                        values[field] = [v for v in json.loads(body)["values"]
                                         if isinstance(v, str)] + [""]
                choices[field] = values[field]
            for t in dash["tiles"]:
                if t.get("query"):
                    self.tiles.append((dash["name"], t["name"], choices))
        status, body, _ = c.call("POST", "/api/v1/query?cache=false",
                                 {"explore": "trips", "fields": ["trips.start_month"],
                                  "limit": 1})
        assert status == 200, (status, body[:300])
        month = json.loads(body)["rows"][0]["trips.start_month"]
        if re.fullmatch(r"\d{4}-\d{2}", month):
            self.month_format = "%Y-%m"
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", month):
            self.month_format = "%Y-%m-%d"
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00Z", month):
            self.month_format = "%Y-%m-%dT%H:%M:%SZ"
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00", month):
            self.month_format = "%Y-%m-%dT%H:%M:%S"
        else:
            sys.exit(f"unknown month format {month!r}; teach bench/soak.py about it")
        c.close()
        self.log(f"setup: {len(self.tiles)} project tiles; months look like {month!r}")

    # --- the load --------------------------------------------------------------------------

    def random_query(self, rng):
        explore = rng.choice(list(FIELDS))
        dims, measures = FIELDS[explore]
        fields = rng.sample(dims, rng.randint(1, 2)) + rng.sample(measures, rng.randint(1, 3))
        q = {"explore": explore, "fields": fields}
        if explore != "customers" and rng.random() < 0.5:
            q["filters"] = {"orders.status": rng.choice(STATUS_FILTERS)}
        if rng.random() < 0.4:
            q["sorts"] = [{"field": fields[-1], "desc": True}]
            q["limit"] = rng.choice([5, 10, 50])
        return q

    def client(self, n):
        rng = random.Random(1000 + n)
        c = Client(self.args.url, self.key)
        mine = None  # this client's app dashboard, as last answered
        made = 0
        period = self.args.clients / self.args.rate if self.args.rate > 0 else 0.0
        due = now() + rng.random() * period
        kinds, weights = list(MIX), list(MIX.values())

        def call(kind, method, path, body=None):
            status, raw, secs = c.call(method, path, body)
            self.stats.record(kind, status, secs, raw)
            return status, raw

        while now() < self.deadline:
            if period:
                if due > now():
                    time.sleep(due - now())
                due = max(due + period, now() - period)
            kind = rng.choices(kinds, weights)[0]
            if kind == "query":
                call("query", "POST", "/api/v1/query?cache=false", self.random_query(rng))
            elif kind == "query_cached":
                call("query_cached", "POST", "/api/v1/query", rng.choice(CACHED))
            elif kind == "tile":
                if mine is not None and rng.random() < 0.3:
                    dash, tile, choices = mine["name"], rng.choice(mine["tiles"])["name"], {}
                else:
                    dash, tile, choices = rng.choice(self.tiles)
                filters = {f: rng.choice(vs) for f, vs in choices.items() if rng.random() < 0.5}
                call("tile", "POST", f"/api/v1/dashboards/{dash}/tiles/{tile}/query",
                     {"filters": filters})
            elif kind == "values":
                explore, field = rng.choice(VALUE_FIELDS)
                q = urllib.parse.quote(rng.choice(VALUE_SEARCHES))
                limit = rng.choice([20, 100, 1000])
                call("values", "GET", f"/api/v1/explores/{explore}/fields/"
                     f"{urllib.parse.quote(field)}/values?q={q}&limit={limit}")
            elif mine is None:
                made += 1
                status, raw = call("dash_create", "POST", "/api/v1/dashboards", {
                    "title": f"Soak {n}-{made}", "description": "made by bench/soak.py",
                    "filters": [{"field": "orders.status", "default": "Finished"}],
                    "tiles": [{"name": "revenue", "title": "Revenue by group", "chart": "bar",
                               "query": CACHED[0]}]})
                mine = json.loads(raw) if status == 201 else None
            else:
                r = rng.random()
                name = mine["name"]
                if r < 0.15:
                    status, raw = call("dash_delete", "DELETE", f"/api/v1/dashboards/{name}")
                    mine = None
                elif r < 0.45 and len(mine["tiles"]) < 8:
                    status, raw = call("dash_add_tile", "POST",
                                       f"/api/v1/dashboards/{name}/tiles",
                                       {"title": f"Tile {len(mine['tiles']) + 1}",
                                        "chart": "table", "query": self.random_query(rng)})
                    mine = json.loads(raw) if status == 201 else None
                elif r < 0.65:
                    status, raw = call("dash_get", "GET", f"/api/v1/dashboards/{name}")
                    mine = json.loads(raw) if status == 200 else None
                else:
                    status, raw = call("dash_update", "PUT", f"/api/v1/dashboards/{name}", {
                        "title": f"Soak {n}-{made} v{mine['version'] + 1}",
                        "description": mine.get("description"),
                        "filters": mine["filters"], "tiles": mine["tiles"],
                        "version": mine["version"]})
                    mine = json.loads(raw) if status == 200 else None
        c.close()

    # --- publishes -------------------------------------------------------------------------

    def publisher(self):
        seed, previous_raw = 42, os.path.join(self.args.dir, "raw", "42")
        due = self.start + self.args.publish_secs
        while True:
            if self.stop.wait(max(0.0, due - now())) or now() >= self.deadline:
                return
            due = max(due + self.args.publish_secs, now())
            seed += 1
            raw = os.path.join(self.args.dir, "raw", str(seed))
            at = now() - self.start
            t0 = now()
            steps = [
                [self.args.boltic, "--quiet", "generate", "--orders", str(self.args.orders),
                 "--seed", str(seed), "--out", raw],
                [self.args.boltic, "--quiet", "pipeline", "run", "--raw", raw, "--warehouse",
                 self.warehouse.root, "--project", self.project],
            ]
            failed = None
            for step in steps:
                out = subprocess.run(step, capture_output=True, text=True)
                if out.returncode != 0:
                    failed = f"{' '.join(step[2:4])} exited {out.returncode}: {out.stderr[-500:]}"
                    break
            secs = now() - t0
            if failed:
                self.failures["publish failed"] += 1
                self.log(f"publish seed {seed}: FAILED after {secs:.1f} s: {failed}")
                continue
            version = self.warehouse.current()
            # How long until the server serves it (it polls every second).
            c = Client(self.args.url, self.key)
            t1 = now()
            lag = None
            while now() - t1 < 30:
                r = self.ready(c)
                if r and r.get("warehouse_version") == version:
                    lag = now() - t1
                    break
                time.sleep(0.05)
            c.close()
            self.publishes.append({"at": at, "seed": seed, "secs": secs, "version": version,
                                   "lag": lag})
            if lag is None:
                self.failures["publish not served within 30 s"] += 1
            lag_text = "NOT SERVED within 30 s" if lag is None else f"served after {lag:.2f} s"
            self.log(f"publish seed {seed}: version {version} in {secs:.1f} s "
                     f"(generate + pipeline), {lag_text}")
            shutil.rmtree(previous_raw, ignore_errors=True)
            previous_raw = raw

    # --- model reloads ---------------------------------------------------------------------

    def reloader(self):
        """Edits the description of customers.customer_group_type in views.yml (written aside
        and renamed in, so the server never reads half a file); every other edit also asks for
        POST /api/v1/admin/reload, the others wait for the server's own polling. Checks the new
        description is served."""
        path = os.path.join(self.project, "semantic", "views.yml")
        pattern = re.compile(r"(\n      - name: customer_group_type\n(?:        .*\n)*?"
                             r"        description: )([^\n]*)")
        with open(path) as f:
            original = f.read()
        m = pattern.search(original)
        if not m:
            sys.exit("bench/soak.py: views.yml has no description of customer_group_type to edit")
        base = m.group(2)
        edit = 0
        due = self.start + self.args.reload_secs / 2
        while True:
            if self.stop.wait(max(0.0, due - now())) or now() >= self.deadline:
                return
            due += self.args.reload_secs
            edit += 1
            marker = f"(soak edit {edit})"
            description = f"{base} {marker}"
            text = original[:m.start(2)] + description + original[m.end(2):]
            c = Client(self.args.url, self.key)
            before = self.ready(c) or {}
            tmp = os.path.join(self.project, ".views.yml.soak")
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, path)
            t0 = now()
            how = "admin/reload" if edit % 2 == 0 else "polling"
            generation, problem = None, None
            if how == "admin/reload":
                status, raw, secs = c.call("POST", "/api/v1/admin/reload")
                self.stats.record("reload", status, secs, raw)
                if status == 200:
                    generation = json.loads(raw).get("model_generation")
            else:
                while now() - t0 < 15:
                    r = self.ready(c) or {}
                    if (r.get("model_generation") or 0) > (before.get("model_generation") or 0):
                        generation = r["model_generation"]
                        break
                    time.sleep(0.05)
            lag = now() - t0
            r = self.ready(c) or {}
            problem = r.get("model_problem")
            status, raw, secs = c.call("GET", "/api/v1/explores/orders")
            self.stats.record("explore", status, secs, raw)
            served = None
            if status == 200:
                served = next((f.get("description") for f in json.loads(raw)["fields"]
                               if f["name"] == "customers.customer_group_type"), None)
            c.close()
            ok = (generation is not None and generation > (before.get("model_generation") or 0)
                  and problem is None and served == description)
            self.reloads.append({"how": how, "lag": lag, "ok": ok})
            if not ok:
                self.failures["model reload not served"] += 1
            self.log(f"model edit {edit} ({how}): generation {before.get('model_generation')}"
                     f" -> {generation} in {lag:.2f} s, description served: "
                     f"{'yes' if served == description else repr(served)}"
                     f"{'' if problem is None else f', PROBLEM {problem}'}")

    # --- spot checks -----------------------------------------------------------------------

    def ask(self, c, how):
        """(status, columns, rows, version or None) of one spot-check question."""
        if how[0] == "query":
            _, cached, query = how
            path = "/api/v1/query" + ("" if cached else "?cache=false")
            status, raw, secs = c.call("POST", path, query)
        elif how[0] == "tile":
            _, dash, tile, filters = how
            status, raw, secs = c.call("POST", f"/api/v1/dashboards/{dash}/tiles/{tile}/query",
                                       {"filters": filters})
        else:
            _, explore, field = how
            status, raw, secs = c.call(
                "GET", f"/api/v1/explores/{explore}/fields/{urllib.parse.quote(field)}"
                "/values?limit=1000")
        self.stats.record("check", status, secs, raw)
        if status != 200:
            return status, None, None, None
        answer = json.loads(raw)
        if how[0] == "values":
            if answer["truncated"]:
                sys.exit(f"{field} has over 1000 values; pick another field to check")
            return status, [field], [(v,) for v in answer["values"]], None
        if how[0] == "query" and how[1]:
            self.check_cache[answer.get("cache")] += 1
        columns = [f["name"] for f in answer["fields"]]
        rows = [tuple(r.get(col) for col in columns) for r in answer["rows"]]
        return status, columns, rows, answer["warehouse_version"]

    def check_once(self, c, db, name, how, dims, sql):
        for attempt in range(3):
            before = (self.ready(c) or {}).get("warehouse_version")
            status, _, rows, version = self.ask(c, how)
            if status != 200:
                return "error"
            after = (self.ready(c) or {}).get("warehouse_version")
            if version is None:  # field values do not say their version: it must not change
                if after != before:
                    continue
                version = before
            elif version not in (before, after):
                # A cached answer of a version no longer served would agree with DuckDB on
                # that version's files: it is wrong all the same.
                problem = f"answered from version {version} while serving {before}, {after}"
                self.wrong.append((name, version, problem))
                self.log(f"WRONG ANSWER '{name}': {problem}")
                return "wrong"
            try:
                tables = self.warehouse.tables(version)
                text = sql.format(month_format=self.month_format, **tables)
                duck = db.execute(text).fetchall()
            except (LookupError, duckdb.Error) as e:
                # The version's files may have been cleaned up by a publish since.
                if attempt < 2:
                    continue
                self.log(f"check '{name}': cannot read version {version} in DuckDB: {e}")
                return "unreadable"
            self.check_versions[version] += 1
            problem = same_rows(rows, duck, dims)
            if problem:
                self.wrong.append((name, version, problem))
                self.log(f"WRONG ANSWER '{name}' (version {version}): {problem}")
                return "wrong"
            return "ok"
        return "unsettled"

    def checker(self):
        db = duckdb.connect()
        db.execute("SET threads = 1")
        try:
            db.execute("SET TimeZone = 'UTC'")  # months of TIMESTAMPTZ values, as the model's
        except duckdb.Error:
            pass  # no ICU: timestamps without a time zone only
        due = self.start + 5
        while True:
            if self.stop.wait(max(0.0, due - now())) or now() >= self.deadline:
                return
            due += self.args.check_secs
            c = Client(self.args.url, self.key)
            for name, how, dims, sql in CHECKS:
                self.checks[self.check_once(c, db, name, how, dims, sql)] += 1
            c.close()

    # --- samples ---------------------------------------------------------------------------

    def proc(self):
        pid = self.args.pid
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return rss, fds, cpu

    def sampler(self):
        c = Client(self.args.url, self.key)
        print(f"{'t':>7} {'RSS MiB':>8} {'fds':>5} {'cpu%':>5} {'req/s':>7} {'p50 ms':>8} "
              f"{'p99 ms':>8} {'4xx':>4} {'5xx':>4} {'err':>4} {'checks':>6} {'wrong':>5} "
              f"{'gen':>4} version", flush=True)
        last_t, last_cpu = now(), self.proc()[2]
        due = self.start
        while True:
            due += self.args.sample_secs
            if self.stop.wait(max(0.0, due - now())):
                return
            t = now()
            window = self.stats.take_window()
            try:
                rss, fds, cpu = self.proc()
            except OSError:
                self.failures["server exited"] += 1
                self.log("the server process is gone; stopping")
                self.deadline = now()
                return
            r = self.ready(c)
            if r is None:
                self.failures["not ready during the run"] += 1
                r = {}
            lat = [s * 1e3 for s, _ in window]
            sample = {
                "t": t - self.start, "rss": rss, "fds": fds,
                "cpu": 100 * (cpu - last_cpu) / (t - last_t), "rps": len(window) / (t - last_t),
                "p50": percentile(lat, 50), "p99": percentile(lat, 99),
                "4xx": sum(1 for _, s in window if 400 <= s < 500),
                "5xx": sum(1 for _, s in window if s >= 500),
                "err": sum(1 for _, s in window if s == 0),
            }
            self.samples.append(sample)
            last_t, last_cpu = t, cpu
            print(f"{sample['t']:6.0f}s {rss:8.1f} {fds:5d} {sample['cpu']:5.0f} "
                  f"{sample['rps']:7.1f} {sample['p50']:8.1f} {sample['p99']:8.1f} "
                  f"{sample['4xx']:4d} {sample['5xx']:4d} {sample['err']:4d} "
                  f"{sum(self.checks.values()):6d} {len(self.wrong):5d} "
                  f"{r.get('model_generation') or 0:4d} {r.get('warehouse_version')}",
                  flush=True)
            if t >= self.deadline:
                return

    # --- the run ---------------------------------------------------------------------------

    def run(self):
        a = self.args
        self.log(f"{a.clients} clients, rate {a.rate or 'unlimited'} requests/s, publish every "
                 f"{a.publish_secs} s, model edit every {a.reload_secs} s, checks every "
                 f"{a.check_secs} s, samples every {a.sample_secs} s")
        self.setup()
        self.start = now()
        self.log.start = self.start
        self.deadline = self.start + a.minutes * 60
        self.warehouse.current()
        threads = [threading.Thread(target=self.client, args=(i,), daemon=True)
                   for i in range(a.clients)]
        helpers = [threading.Thread(target=f, daemon=True)
                   for f in (self.publisher, self.reloader, self.checker)]
        for t in threads + helpers:
            t.start()
        self.sampler()
        for t in threads:
            t.join()
        self.stop.set()
        self.ended = now()
        for t in helpers:
            t.join(timeout=600)
        return self.summary()

    def summary(self):
        a, st = self.args, self.stats
        elapsed = self.ended - self.start
        print("\n== summary ==")
        total = sum(st.status.values())
        print(f"requests: {total} in {elapsed:.0f} s ({total / elapsed:.1f}/s), "
              f"{a.clients} clients")
        print(f"{'kind':14} {'count':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses")
        everything = array.array("d")
        for kind in sorted(st.latency):
            lat = [s * 1e3 for s in st.latency[kind]]
            everything.extend(st.latency[kind])
            statuses = ", ".join(f"{s or 'transport error'}: {n}"
                                 for (k, s), n in sorted(st.status.items()) if k == kind)
            print(f"{kind:14} {len(lat):7d} {percentile(lat, 50):8.1f} {percentile(lat, 99):8.1f}"
                  f" {max(lat):8.1f}  {statuses}")
        lat = [s * 1e3 for s in everything]
        print(f"{'all':14} {len(lat):7d} {percentile(lat, 50):8.1f} {percentile(lat, 99):8.1f}"
              f" {max(lat) if lat else 0:8.1f}")
        n4 = sum(n for (_, s), n in st.status.items() if 400 <= s < 500)
        n5 = sum(n for (_, s), n in st.status.items() if s >= 500)
        n0 = sum(n for (_, s), n in st.status.items() if s == 0)
        print(f"5xx: {n5}, 4xx: {n4}, transport errors: {n0}, "
              f"unexpected statuses: {st.unexpected_count}")
        for kind, status, body in st.unexpected[:10]:
            print(f"  {kind} {status}: {body}")

        print(f"spot checks against DuckDB: {sum(self.checks.values())} "
              f"({', '.join(f'{k} {n}' for k, n in sorted(self.checks.items()))}) over "
              f"{len(self.check_versions)} versions; wrong answers: {len(self.wrong)}; the "
              f"cached check was answered {dict(self.check_cache)}")
        for name, version, problem in self.wrong[:10]:
            print(f"  {name} ({version}): {problem}")

        lags = [p["lag"] for p in self.publishes if p["lag"] is not None]
        print(f"publishes: {len(self.publishes)} done, {self.failures['publish failed']} failed"
              + (f"; generate + pipeline {min(p['secs'] for p in self.publishes):.1f}-"
                 f"{max(p['secs'] for p in self.publishes):.1f} s, served after at most "
                 f"{max(lags):.2f} s" if self.publishes and lags else ""))
        for p in self.publishes:
            print(f"  at {p['at']:5.0f}s seed {p['seed']}: {p['version']}")
        reload_lags = [r["lag"] for r in self.reloads]
        print(f"model edits: {len(self.reloads)}, served: {sum(r['ok'] for r in self.reloads)}"
              + (f", reloaded after at most {max(reload_lags):.2f} s" if reload_lags else ""))

        warmup = min(a.warmup_secs, elapsed / 3)
        # The first sample at the warm-up's end (samples come a few milliseconds either side).
        after = [s for s in self.samples if s["t"] >= warmup - a.sample_secs / 2]
        if after:
            first, final = after[0], after[-1]
            peak = max(s["rss"] for s in after)
            growth = final["rss"] - first["rss"]
            n = len(after)
            slope = 0.0
            if n > 1:
                mt = sum(s["t"] for s in after) / n
                mr = sum(s["rss"] for s in after) / n
                var = sum((s["t"] - mt) ** 2 for s in after)
                slope = sum((s["t"] - mt) * (s["rss"] - mr) for s in after) / var * 60
            print(f"RSS: {first['rss']:.1f} MiB at warm-up end ({first['t']:.0f} s), "
                  f"max {peak:.1f}, final {final['rss']:.1f}: growth {growth:+.1f} MiB "
                  f"({100 * growth / first['rss']:+.1f}%), trend {slope:+.2f} MiB/min after "
                  f"warm-up (max during warm-up "
                  f"{max([s['rss'] for s in self.samples if s not in after] or [0]):.1f})")
            print(f"open files: {min(s['fds'] for s in self.samples)}-"
                  f"{max(s['fds'] for s in self.samples)} over the run, "
                  f"{min(s['fds'] for s in after)}-{max(s['fds'] for s in after)} after warm-up")
        self.server_metrics()

        reasons = [f"{n} {what}" for what, n in self.failures.items() if n]
        if n5:
            reasons.append(f"{n5} 5xx")
        if n0:
            reasons.append(f"{n0} transport errors")
        if st.unexpected_count - n5 - n0 > 0:
            reasons.append(f"{st.unexpected_count - n5 - n0} unexpected 4xx")
        if self.wrong:
            reasons.append(f"{len(self.wrong)} wrong answers")
        if self.checks["error"] or self.checks["unreadable"] or self.checks["unsettled"]:
            reasons.append("spot checks that could not run")
        print("result: " + ("PASS" if not reasons else "FAIL: " + ", ".join(reasons)))
        return 0 if not reasons else 1

    def server_metrics(self):
        c = Client(self.args.url, self.key)
        status, raw, _ = c.call("GET", "/metrics")
        c.close()
        if status != 200:
            print(f"/metrics: {status}")
            return
        lines = [l for l in raw.decode().splitlines()
                 if l.startswith(("boltic_errors_total", "boltic_model_reload_failures_total",
                                  "boltic_cache_hits_total", "boltic_cache_misses_total"))]
        print("server metrics: " + ("; ".join(lines) or "none"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--pid", type=int, required=True, help="the server's process id")
    p.add_argument("--boltic", required=True, help="the boltic binary (for publishes)")
    p.add_argument("--dir", required=True,
                   help="soak folder: project/, wh/, raw/<seed>/, key (the API key)")
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--orders", type=int, default=200000)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--rate", type=float, default=0, help="requests/s in all; 0: no pacing")
    p.add_argument("--publish-secs", type=float, default=60)
    p.add_argument("--reload-secs", type=float, default=45)
    p.add_argument("--check-secs", type=float, default=30)
    p.add_argument("--sample-secs", type=float, default=5)
    p.add_argument("--warmup-secs", type=float, default=120)
    args = p.parse_args()
    with open(os.path.join(args.dir, "key")) as f:
        key = f.read().strip()
    sys.exit(Soak(args, key).run())


if __name__ == "__main__":
    main()
