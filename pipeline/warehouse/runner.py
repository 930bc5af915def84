"""Run the models of the registry (pipeline/warehouse/registry.py) in build order, then the singular tests.

Each SQL model file is one SELECT. Staging models become views, intermediate and marts models tables,
in the schema named after their layer; a Python model's DataFrame becomes a table. The order is
`registry.build_order`: a topological sort of the references, ties broken by layer then name, so it is
the same on every run, layer by layer (staging, intermediate, marts). Singular tests
(sql/tests/assert_*.sql) return offending rows; any row fails the build.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import duckdb

from pipeline.warehouse.registry import LINE_COMMENT, Model, ModelError, build_order


def _normal_cdf(x):
    """Φ(x), the standard normal distribution function, for a column of doubles (scipy.special.ndtr)."""
    import pyarrow as pa
    from scipy.special import ndtr

    return pa.array(ndtr(x.to_numpy(zero_copy_only=False).astype(float)))


def create_macros(con: duckdb.DuckDBPyConnection, sql_dir: Path) -> None:
    """Run sql/macros/*.sql (one `create or replace macro` per file, named after the file, each after the
    macros it calls), used by the models; and register
    the one function DuckDB lacks, normal_cdf(x) = Φ(x) (a vectorised Python function)."""
    con.create_function("normal_cdf", _normal_cdf, [duckdb.sqltype("DOUBLE")], duckdb.sqltype("DOUBLE"), type="arrow")
    macros = {p.stem: p for p in sorted((sql_dir / "macros").glob("*.sql"))}
    texts = {name: LINE_COMMENT.sub("", path.read_text(encoding="utf-8")) for name, path in macros.items()}
    uses = {
        name: {other for other in macros if other != name and re.search(rf"\b{other}\(", texts[name])}
        for name in macros
    }  # a macro file is created after the macros it calls
    try:
        order = list(TopologicalSorter(uses).static_order())
    except CycleError as exc:
        raise ModelError(f"sql/macros: macros call each other in a cycle: {' -> '.join(exc.args[1])}") from exc
    for name in order:
        path = macros[name]
        try:
            con.execute(path.read_text(encoding="utf-8").strip().rstrip(";"))
        except duckdb.Error as exc:
            raise ModelError(f"{path}: {exc}".splitlines()[0]) from exc


def run_models(
    con: duckdb.DuckDBPyConnection, sql_dir: Path, python_models: Iterable[Model] = (), progress=None
) -> list[dict]:
    """Create the macros, then every model of sql_dir and python_models in build order; return one record
    per model (name, kind, rows, seconds; rows is None for a view, which is not computed until read)."""
    create_macros(con, sql_dir)
    records = []
    for model in build_order(sql_dir, python_models):
        kind = "view" if model.layer == "staging" else "table"
        started = time.perf_counter()
        try:
            if model.build is not None:
                frame = model.build(con)
                con.register("_python_model", frame)
                con.execute(f"create or replace table {model.relation} as select * from _python_model")
                con.unregister("_python_model")
            else:
                con.execute(f"create or replace {kind} {model.relation} as\n{model.sql}")
        except duckdb.Error as exc:
            raise ModelError(
                f"{model.path}: {exc}".splitlines()[0] + " (fix the SQL and run `fsot build` again)"
            ) from exc
        # a table's count is stored; a view's would compute the view (half a second for an England-wide
        # Fingertips export), so a view's rows are not counted here
        rows = None if kind == "view" else con.execute(f"select count(*) from {model.relation}").fetchall()[0][0]
        records.append(
            {
                "model": model.relation,
                "kind": kind,
                "rows": rows,
                "seconds": round(time.perf_counter() - started, 4),
                "file": model.path.name,
            }
        )
        if progress:
            progress(model.relation)
    return records


def uniqueness_tests(sql_dir: Path) -> list[tuple[str, str]]:
    """(name, SQL) of a uniqueness test per table that sql/data_dictionary.toml gives a `key`: the SQL
    returns every key that occurs more than once, with how often."""
    import tomllib

    path = sql_dir / "data_dictionary.toml"
    if not path.is_file():
        return []
    tests = []
    for table, entry in tomllib.loads(path.read_text(encoding="utf-8")).items():
        key = entry.get("key")
        if key:
            columns = ", ".join(f'"{c}"' for c in key)
            tests.append(
                (
                    f"unique_{table.replace('.', '_')}",
                    f"select {columns}, count(*) as copies from {table} group by {columns} having count(*) > 1",
                )
            )
    return tests


def run_tests(con: duckdb.DuckDBPyConnection, sql_dir: Path) -> list[dict]:
    """Run sql/tests/assert_*.sql and a uniqueness test of every table with a `key` in the data
    dictionary; raise ModelError listing the offending rows of every failing test."""
    results, failures = [], []
    for name, sql in uniqueness_tests(sql_dir):
        try:
            frame = con.execute(sql).df()
        except duckdb.Error as exc:
            raise ModelError(f"{sql_dir / 'data_dictionary.toml'}: key of {name}: {exc}".splitlines()[0]) from exc
        results.append(
            {"test": name, "offending_rows": len(frame), "description": "one row per key (sql/data_dictionary.toml)"}
        )
        if len(frame):
            failures.append(
                f"{name}: {len(frame)} key(s) occur more than once:\n{frame.head(10).to_string(index=False)}"
            )
    for path in sorted((sql_dir / "tests").glob("assert_*.sql")):
        try:
            frame = con.execute(path.read_text(encoding="utf-8").strip().rstrip(";")).df()
        except duckdb.Error as exc:
            raise ModelError(f"{path}: {exc}".splitlines()[0]) from exc
        comment = next(
            (
                line.lstrip("- ").strip()
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("--")
            ),
            "",
        )
        results.append({"test": path.stem, "offending_rows": len(frame), "description": comment})
        if len(frame):
            failures.append(f"{path.name} returned {len(frame)} row(s):\n{frame.head(10).to_string(index=False)}")
    if failures:
        raise ModelError("singular tests failed; the warehouse was not replaced.\n" + "\n\n".join(failures))
    return results
