"""The Air Boltic pipeline written by hand for DuckDB, as the yardstick for `boltic pipeline run`.

Same input files, same work: clean the raw CSV + JSON into normalized Parquet (trim, lowercase
emails, phone numbers to +digits, typed timestamps, canonical statuses, duplicate ids dropped,
catalogue flattened onto aeroplanes), build the four star tables as Parquet, run the same data
tests. Usage: python3 bench/duckdb_pipeline.py <raw folder> <output folder>
"""

import json
import os
import shutil
import sys
import time

import duckdb

raw, out = sys.argv[1], sys.argv[2]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
started = time.perf_counter()
con = duckdb.connect()
con.execute("SET threads = 2")


def csv(name):
    return f"read_csv('{raw}/{name}', header = true, all_varchar = true)"


def write(table, sql):
    con.execute(f"CREATE OR REPLACE TABLE {table} AS {sql}")
    con.execute(f"COPY {table} TO '{out}/{table}.parquet' (FORMAT parquet, COMPRESSION snappy)")


with open(f"{raw}/aeroplane_model.json") as f:
    catalogue = json.load(f)
rows = [
    (maker, model, spec.get("max_seats"), spec.get("max_weight"), spec.get("max_distance"), spec.get("engine_type"))
    for maker, models in catalogue.items()
    for model, spec in models.items()
]
con.execute(
    "CREATE TABLE aeroplane_models (manufacturer VARCHAR, model VARCHAR, max_seats BIGINT, max_weight BIGINT,"
    " max_distance BIGINT, engine_type VARCHAR)"
)
con.executemany("INSERT INTO aeroplane_models VALUES (?, ?, ?, ?, ?, ?)", rows)
con.execute(f"COPY aeroplane_models TO '{out}/aeroplane_models.parquet' (FORMAT parquet)")

write("customer_groups", f"""
    SELECT CAST(trim("ID") AS BIGINT) AS customer_group_id, nullif(trim("Type"), '') AS type,
           nullif(trim("Name"), '') AS name, nullif(trim("Registry number"), '') AS registry_number
    FROM {csv('customer_group.csv')} WHERE nullif(trim("ID"), '') IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY trim("ID")) = 1""")
write("aeroplanes", f"""
    SELECT CAST(trim(a."Airplane ID") AS BIGINT) AS aeroplane_id, nullif(trim(a."Airplane Model"), '') AS model,
           nullif(trim(a."Manufacturer"), '') AS manufacturer, m.max_seats, m.max_weight, m.max_distance, m.engine_type
    FROM {csv('aeroplane.csv')} a
    LEFT JOIN aeroplane_models m ON m.manufacturer = trim(a."Manufacturer") AND m.model = trim(a."Airplane Model")
    WHERE nullif(trim(a."Airplane ID"), '') IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY trim(a."Airplane ID")) = 1""")
write("customers", f"""
    WITH c AS (
        SELECT *, regexp_replace("Phone Number", '[^0-9]', '', 'g') AS digits, trim("Phone Number") AS p,
               lower(trim("Email")) AS e
        FROM {csv('customer.csv')} WHERE nullif(trim("Customer ID"), '') IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY trim("Customer ID")) = 1)
    SELECT CAST(trim("Customer ID") AS BIGINT) AS customer_id, nullif(trim("Name"), '') AS name,
           CAST(nullif(trim("Customer Group ID"), '') AS BIGINT) AS customer_group_id,
           CASE WHEN e <> '' AND contains(e, '@') AND NOT contains(e, ' ') THEN e END AS email,
           CASE WHEN (p LIKE '+%' OR p LIKE '(+%') AND length(digits) BETWEEN 7 AND 15 THEN '+' || digits
                WHEN digits LIKE '00%' AND length(digits) BETWEEN 9 AND 17 THEN '+' || digits[3:] END AS phone
    FROM c""")
write("trips", f"""
    SELECT CAST(trim("Trip ID") AS BIGINT) AS trip_id, nullif(trim("Origin City"), '') AS origin_city,
           nullif(trim("Destination City"), '') AS destination_city,
           CAST(nullif(trim("Airplane ID"), '') AS BIGINT) AS aeroplane_id,
           strptime(trim("Start Timestamp"), '%Y-%m-%d %H:%M:%S') AS start_timestamp,
           strptime(trim("End Timestamp"), '%Y-%m-%d %H:%M:%S') AS end_timestamp
    FROM {csv('trip.csv')} WHERE nullif(trim("Trip ID"), '') IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY trim("Trip ID")) = 1""")
write("orders", f"""
    SELECT CAST(trim("Order ID") AS BIGINT) AS order_id, CAST(nullif(trim("Customer ID"), '') AS BIGINT) AS customer_id,
           CAST(nullif(trim("Trip ID"), '') AS BIGINT) AS trip_id,
           CAST(nullif(trim("Price (EUR)"), '') AS DOUBLE) AS price_eur, nullif(upper(trim("Seat No")), '') AS seat_no,
           CASE lower(trim("Status")) WHEN 'finished' THEN 'Finished' WHEN 'booked' THEN 'Booked'
                WHEN 'cancelled' THEN 'Cancelled' ELSE nullif(trim("Status"), '') END AS status
    FROM {csv('order.csv')} WHERE nullif(trim("Order ID"), '') IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY trim("Order ID")) = 1""")
normalized = time.perf_counter()

# Models materialized `incremental` are built whole here, as boltic's run from flat files does:
# is_incremental() is false, and `changed.<table>` is the whole table.
con.execute("CREATE MACRO is_incremental() AS false")
con.execute("CREATE SCHEMA changed")
con.execute("CREATE VIEW changed.orders AS SELECT * FROM main.orders")
con.execute("CREATE VIEW changed.trips AS SELECT * FROM main.trips")
models = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "demo", "air_boltic", "models")
for name in ["dim_customers", "dim_aeroplane", "fact_trips", "fact_orders"]:
    with open(os.path.join(models, f"{name}.sql")) as f:
        sql = f.read()
    # The only dialect difference: DuckDB's epoch() instead of date_part('epoch', ...).
    sql = sql.replace("date_part('epoch', t.end_timestamp)", "epoch(t.end_timestamp)").replace(
        "date_part('epoch', t.start_timestamp)", "epoch(t.start_timestamp)")
    write(name, sql)
star = time.perf_counter()

tests = [
    "SELECT count(*) FROM (SELECT customer_id FROM dim_customers GROUP BY 1 HAVING count(*) > 1)",
    "SELECT count(*) FROM (SELECT aeroplane_id FROM dim_aeroplane GROUP BY 1 HAVING count(*) > 1)",
    "SELECT count(*) FROM (SELECT trip_id FROM fact_trips GROUP BY 1 HAVING count(*) > 1)",
    "SELECT count(*) FROM (SELECT order_id FROM fact_orders GROUP BY 1 HAVING count(*) > 1)",
    "SELECT count(*) FROM fact_orders o WHERE NOT EXISTS (SELECT 1 FROM dim_customers c WHERE c.customer_id = o.customer_id)",
    "SELECT count(*) FROM fact_orders o WHERE NOT EXISTS (SELECT 1 FROM fact_trips t WHERE t.trip_id = o.trip_id)",
    "SELECT count(*) FROM fact_orders WHERE status NOT IN ('Finished', 'Booked', 'Cancelled')",
    "SELECT count(*) FROM fact_trips WHERE end_timestamp < start_timestamp",
]
for sql in tests:
    con.execute(sql).fetchall()
done = time.perf_counter()
counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ["dim_customers", "dim_aeroplane", "fact_orders", "fact_trips"]}
print(json.dumps({
    "normalize_s": round(normalized - started, 2),
    "star_s": round(star - normalized, 2),
    "tests_s": round(done - star, 2),
    "total_s": round(done - started, 2),
    "rows": counts,
}))
