"""Check that two published Boltic warehouses hold the same rows in every table, row for row.

Reads each warehouse's newest manifest (`_boltic/manifest/<N>.json`) and compares, per table,
the multisets of rows of the files it lists with DuckDB (`EXCEPT ALL` both ways), so a
warehouse built by daily incremental runs can be checked against one built in a single run.
Usage: python3 bench/same_tables.py <warehouse a> <warehouse b>; exits 1 on any difference.
"""

import json
import os
import sys

import duckdb


def manifest(warehouse):
    folder = os.path.join(warehouse, "_boltic", "manifest")
    newest = sorted(f for f in os.listdir(folder) if f.endswith(".json"))[-1]
    with open(os.path.join(folder, newest)) as f:
        return json.load(f)


def files(warehouse, table):
    return [os.path.join(warehouse, f["path"]) for f in table["files"]]


a, b = sys.argv[1], sys.argv[2]
ma, mb = manifest(a), manifest(b)
if sorted(ma["tables"]) != sorted(mb["tables"]):
    sys.exit(f"the warehouses have different tables: {sorted(ma['tables'])} and {sorted(mb['tables'])}")
con = duckdb.connect()
con.execute("SET threads = 2")
different = []
for name in sorted(ma["tables"]):
    left = f"read_parquet({files(a, ma['tables'][name])!r})"
    right = f"read_parquet({files(b, mb['tables'][name])!r})"
    rows = con.execute(f"SELECT count(*) FROM {left}").fetchone()[0]
    only_a = con.execute(f"SELECT count(*) FROM (SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right})").fetchone()[0]
    only_b = con.execute(f"SELECT count(*) FROM (SELECT * FROM {right} EXCEPT ALL SELECT * FROM {left})").fetchone()[0]
    print(f"  {name:<24} {rows:>12} rows  {only_a} only in the first, {only_b} only in the second")
    if only_a or only_b:
        different.append(name)
if different:
    sys.exit(f"tables differ: {', '.join(different)}")
print("every table holds the same rows")
