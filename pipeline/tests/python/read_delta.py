"""Read Delta tables with the Python `deltalake` package (an independent reader) and print
their rows, one line per row, each column cast to text, sorted.

    python3 read_delta.py <table folder> <version> [<table folder> <version> ...]

Prints, per table, a line `== <folder>` and then its rows.
"""
import sys

from deltalake import DeltaTable, QueryBuilder

args = sys.argv[1:]
for folder, version in zip(args[0::2], args[1::2]):
    table = DeltaTable(folder, version=int(version))
    columns = [field.name for field in table.schema().fields]
    text = ", ".join(
        f"coalesce(cast(\"{name}\" as varchar), 'NULL') as \"{name}\"" for name in columns
    )
    result = QueryBuilder().register("t", table).execute(f"select {text} from t").read_all()
    values = [result.column(i).to_pylist() for i in range(len(columns))]
    rows = sorted("|".join(row) for row in zip(*values)) if columns else []
    print(f"== {folder}")
    for row in rows:
        print(row)
