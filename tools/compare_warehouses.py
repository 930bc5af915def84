"""Dump a built warehouse's models to Parquet, or compare two such dumps table by table.

    python tools/compare_warehouses.py dump data/processed/demonstration/fsot.duckdb /tmp/before
    python tools/compare_warehouses.py compare /tmp/before /tmp/after [--tolerance 1e-12] [--any-order]

A refactor of the SQL models must not change an output: `compare` checks that both dumps hold the
same tables, each with the same columns, types and rows in the same order, every non-float value
equal and every float equal or within the tolerance (absolute, or relative to the larger magnitude);
NULL/NaN must be in the same places. It prints one line per table and exits 1 on any difference.
With `--any-order` the rows of each table are first put in one order (by the text of every column that
is not a float, then by the floats), for tables whose row order SQL does not fix: two builds of the same
code can deliver, say, `int_indicator_value__configured` in different orders.

For the demonstration build, tests/test_output_snapshot.py makes this check on every test run, exactly
(floats to the last bit) and on the exports too, against a committed snapshot (tools/snapshot_outputs.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

SCHEMAS = ("staging", "intermediate", "marts")


def model_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(schema, name) of every table and view the models made (schemas staging, intermediate, marts),
    ordered by schema and name. Shared with tools/snapshot_outputs.py."""
    return [
        tuple(row)
        for row in con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema in (?, ?, ?) "
            "and table_catalog = current_database() order by 1, 2",
            list(SCHEMAS),
        ).fetchall()
    ]


def dump(database: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database), read_only=True)
    tables = model_tables(con)
    for schema, name in tables:
        con.execute(f"copy (select * from {schema}.{name}) to '{out / f'{schema}.{name}.parquet'}' (format parquet)")
    print(f"{len(tables)} tables dumped to {out}")


def _compare_table(a: pd.DataFrame, b: pd.DataFrame, tolerance: float) -> tuple[str | None, float]:
    if list(a.columns) != list(b.columns):
        return f"columns differ: {list(a.columns)} vs {list(b.columns)}", 0.0
    if list(a.dtypes.astype(str)) != list(b.dtypes.astype(str)):
        return f"types differ: {list(a.dtypes.astype(str))} vs {list(b.dtypes.astype(str))}", 0.0
    if len(a) != len(b):
        return f"{len(a)} rows vs {len(b)}", 0.0
    worst = 0.0
    for column in a.columns:
        x, y = a[column], b[column]
        if pd.api.types.is_float_dtype(x):
            xv, yv = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
            if not np.array_equal(np.isnan(xv), np.isnan(yv)):
                return f"{column}: NULLs in different places", worst
            ok = ~np.isnan(xv)
            diff = np.abs(xv[ok] - yv[ok])
            scale = np.maximum(1.0, np.maximum(np.abs(xv[ok]), np.abs(yv[ok])))
            if diff.size:
                worst = max(worst, float((diff / scale).max()))
            if (diff > tolerance * scale).any():
                return f"{column}: {(diff > tolerance * scale).sum()} values differ beyond {tolerance}", worst
        elif not x.equals(y):
            unequal = (x.astype(str) != y.astype(str)).sum()
            return f"{column}: {unequal} values differ", worst
    return None, worst


def _in_one_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows sorted by the text of every non-float column, then by the float columns (NaN last)."""
    floats = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    keys = pd.DataFrame(
        {f"text{i}": frame[c].astype(str) for i, c in enumerate(c for c in frame.columns if c not in floats)}
    )
    for i, column in enumerate(floats):
        keys[f"float{i}"] = frame[column].to_numpy(dtype=float)
    if keys.columns.empty:
        return frame
    order = keys.sort_values(list(keys.columns), kind="stable", na_position="last").index
    return frame.loc[order].reset_index(drop=True)


def compare(before: Path, after: Path, tolerance: float, any_order: bool = False) -> int:
    names_a = {p.name for p in before.glob("*.parquet")}
    names_b = {p.name for p in after.glob("*.parquet")}
    failures = 0
    for name in sorted(names_a ^ names_b):
        print(f"MISSING  {name} only in {'before' if name in names_a else 'after'}")
        failures += 1
    for name in sorted(names_a & names_b):
        a, b = pd.read_parquet(before / name), pd.read_parquet(after / name)
        if any_order and list(a.columns) == list(b.columns):
            a, b = _in_one_order(a), _in_one_order(b)
        problem, worst = _compare_table(a, b, tolerance)
        if problem:
            failures += 1
            print(f"DIFFERS  {name}: {problem}")
        else:
            exact = "identical" if worst == 0.0 else f"equal within {worst:.1e}"
            print(f"ok       {name}: {len(a)} rows, {exact}")
    print(f"{len(names_a & names_b)} tables compared, {failures} difference(s)")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("database", type=Path)
    d.add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("--tolerance", type=float, default=1e-12)
    c.add_argument("--any-order", action="store_true", help="compare each table's rows in whatever order")
    args = parser.parse_args(argv)
    if args.command == "dump":
        dump(args.database, args.out)
        return 0
    return compare(args.before, args.after, args.tolerance, args.any_order)


if __name__ == "__main__":
    sys.exit(main())
