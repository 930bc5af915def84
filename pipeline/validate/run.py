"""Run the suites on the raw tables, quarantine failing rows, and account for every row.

For every landed file: rows_read = rows_loaded + rows_quarantined (checked here; a mismatch is a bug
and stops the build). Quarantined rows keep every raw column plus `_checks` (the failed checks) and
`_reasons` (what to do); staging models read raw rows that are not in quarantine.

Validation costs what the data costs:
- A file's row checks (Great Expectations, pipeline.validate.suites) run a chunk at a time, read from
  the warehouse as Arrow batches, so memory holds one chunk whatever the file's size.
- Their result is cached under data/processed/validation_cache/, keyed by the file's sha256, the raw
  table, the source's settings, the suites' fingerprint (their code, Great Expectations' version and
  the settings they read). Landed files never change, so a rebuild validates only new files, and a
  cache hit does not even import Great Expectations. A damaged cache entry is ignored and rewritten.
- Cross-row checks (duplicates, wards in the lookup; pipeline.validate.cross_row) run as SQL on the
  loaded tables at every build.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.config import Config
from pipeline.memory import return_freed_memory
from pipeline.safe_write import remove_partials, write_atomically
from pipeline.validate import cross_row, suites

SAMPLE_ROWS = 5
CACHE_FOLDER = "validation_cache"  # pruned with the read cache (pipeline.warehouse.load.prune_caches)
CROSS_ROW_POSITION = 1000  # cross-row checks are listed after a table's row checks


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
        ).fetchall()[0][0]
    )


def suite_fingerprint(config: Config) -> str:
    """What every file's row-check result depends on besides the file: the code of the suites, of this
    module and of the way Great Expectations is run (context.py), its version and the settings the checks
    read."""
    digest = hashlib.sha256()
    for module in (suites.__file__, __file__, Path(suites.__file__).with_name("context.py")):
        digest.update(Path(module).read_bytes())
    digest.update(metadata.version("great_expectations").encode())
    digest.update(json.dumps(suites.settings_of(config), sort_keys=True).encode())
    return digest.hexdigest()


def validate_raw(
    con: duckdb.DuckDBPyConnection, config: Config, lookup_known: bool = True, tables: list[str] | None = None
) -> dict:
    """Validate every raw table (or those named); write quarantine.<table>; return the checks' results
    and per-file accounting. With lookup_known False (a file checked before any lookup is landed) the
    checks against the ward lookup are left to the build."""
    con.execute("create schema if not exists quarantine")
    fingerprint = suite_fingerprint(config)
    cache = config.processed_dir / CACHE_FOLDER
    landed = _landed_files(con)
    checks_out, files, table_checks = [], [], []
    for table in tables or list(suites.PREPARE):
        if not _table_exists(con, "raw", table):
            continue
        total = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
        failed = []  # (_source, _file, _line, position, check, reason)
        results: dict[int, dict] = {}
        present = con.execute(f"select distinct _source, _file from raw.{table} order by all").fetchall()
        keys = {f: _cache_key(landed[(table, *f)], fingerprint) if (table, *f) in landed else None for f in present}
        outcomes = {f: _read_cache(cache, key) if key else None for f, key in keys.items()}
        missing = [f for f, outcome in outcomes.items() if outcome is None]
        if missing:  # one Great Expectations run over every file not yet validated, a chunk at a time
            outcomes.update(_row_checks(con, table, missing, config))
            for f in missing:
                if keys[f]:
                    _write_cache(cache, keys[f], outcomes[f])
        for (source, file), outcome in outcomes.items():
            for check in outcome["checks"]:
                merged = results.setdefault(
                    check["position"],
                    {
                        "table": table,
                        "check": check["name"],
                        "reason": check["reason"],
                        "success": True,
                        "rows_checked": total,
                        "rows_failed": 0,
                        "sample": [],
                        "sample_values": [],
                    },
                )
                merged["rows_failed"] += len(check["lines"])
                merged["success"] = merged["success"] and not check["lines"]
                room = SAMPLE_ROWS - len(merged["sample"])
                merged["sample"] += [
                    {"_source": source, "_file": file, "_line": line} for line in check["lines"][:room]
                ]
                merged["sample_values"] += check["sample_values"][:room]
                failed += [
                    (source, file, line, check["position"], check["name"], check["reason"]) for line in check["lines"]
                ]
        failed += _cross_row_checks(con, table, config, lookup_known, total, results)
        checks_out += [results[p] for p in sorted(results)]
        _write_quarantine(con, table, failed)
        files += _accounting(con, table)
        if table == "fingertips_indicator_value":
            missing = cross_row.completeness(_borough_rows(con, config), config, _borough_wards(con, config))
            table_checks.append(
                {
                    "table": table,
                    "check": "borough_wards_complete",
                    "reason": "every borough ward has a row for each configured indicator, sex and period",
                    "success": not missing,
                    "rows_failed": len(missing),
                    "sample": missing[:SAMPLE_ROWS],
                }
            )
    return {"checks": checks_out, "table_checks": table_checks, "files": files}


def _landed_files(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str], dict]:
    if not _table_exists(con, "raw", "landed_file"):
        return {}
    frame = con.execute("select * from raw.landed_file").df()
    return {(r["raw_table"], r["_source"], r["_file"]): r for r in frame.to_dict("records")}


def _cache_key(entry: dict, fingerprint: str) -> str:
    parts = [entry["sha256"], entry["raw_table"], entry["_source"], entry["_file"], entry["settings"], fingerprint]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _read_cache(folder: Path, key: str) -> dict | None:
    try:
        outcome = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        os.utime(folder / f"{key}.json")  # entries unused for [performance] cache_keep_days are removed
    except (OSError, ValueError):
        return None
    if not isinstance(outcome, dict) or not isinstance(outcome.get("checks"), list):
        return None
    return outcome


def _write_cache(folder: Path, key: str, outcome: dict) -> None:
    """Write one cache entry atomically; a cache that cannot be written only costs time next build."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_partials(folder)
        write_atomically(
            folder / f"{key}.json", lambda partial: partial.write_text(json.dumps(outcome), encoding="utf-8")
        )
    except OSError:
        pass


def _row_checks(
    con: duckdb.DuckDBPyConnection, table: str, files: list[tuple[str, str]], config: Config
) -> dict[tuple[str, str], dict]:
    """Run the table's Great Expectations suite over the files' rows, a chunk at a time (one validation
    run per chunk, whatever the number of files). Returns, per file and per check in suite order, the
    failing rows' lines and the first failing rows' delivered values."""
    from pipeline.validate.context import suite_batches  # Great Expectations is slow to import: only on a miss

    outcomes: dict[tuple[str, str], dict] = {f: {"checks": []} for f in files}
    con.execute(
        "create or replace temp table _unvalidated as select * from (values "
        + ", ".join(["(?, ?)"] * len(files))
        + ") as f(_source, _file)",
        [v for f in files for v in f],
    )
    batches = con.sql(f"select * from raw.{table} semi join _unvalidated using (_source, _file)").to_arrow_reader(
        config.performance.validation_chunk_rows
    )
    with suite_batches(table) as validate:
        for batch in batches:
            return_freed_memory()  # the last chunk's frames: a 200 MB drop's validation peaks 150 MB lower
            raw = batch.to_pandas()
            if raw.empty:
                continue
            prepared = suites.PREPARE[table](raw, config)
            # Great Expectations sees only the columns its checks read: it hashes and copies what it is given
            checked = prepared.frame[suites.columns_read(prepared.checks, list(prepared.frame.columns))]
            _record(outcomes, table, raw, prepared, validate(checked, [c.expectation for c in prepared.checks]))
    con.execute("drop table _unvalidated")
    return outcomes


def _record(
    outcomes: dict[tuple[str, str], dict], table: str, raw: pd.DataFrame, prepared: suites.Prepared, results: list
) -> None:
    """Add one chunk's results to `outcomes`: per file and per check, the failing rows' lines and the
    first failing rows' delivered values."""
    files_of_rows: list[tuple[str, str]] = []  # each row's (source, file), made when a row fails
    lines_of_rows = raw["_line"].to_numpy(dtype="int64")
    for position, (check, result) in enumerate(zip(prepared.checks, results)):
        if result.exception_info and result.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"validation check {table}.{check.name} could not run: {result.exception_info.get('exception_message')}"
            )
        rows = [int(r) for r in result.result.get("unexpected_index_list") or []]
        if rows and not files_of_rows:
            files_of_rows = list(zip(raw["_source"].to_numpy(dtype=object), raw["_file"].to_numpy(dtype=object)))
        by_file: dict[tuple[str, str], list[int]] = {}
        for r in rows:
            by_file.setdefault(files_of_rows[r], []).append(r)
        for f, outcome in outcomes.items():
            if position == len(outcome["checks"]):
                outcome["checks"].append(
                    {
                        "position": position,
                        "name": check.name,
                        "reason": check.reason,
                        "lines": [],
                        "sample_values": [],
                    }
                )
            record = outcome["checks"][position]
            failing = by_file.get(f, [])
            record["lines"] += lines_of_rows[failing].tolist()
            room = SAMPLE_ROWS - len(record["sample_values"])
            if room > 0 and failing:
                record["sample_values"] += _sample_values(prepared.frame, failing[:room], check)


def _cross_row_checks(
    con: duckdb.DuckDBPyConnection, table: str, config: Config, lookup_known: bool, total: int, results: dict[int, dict]
) -> list[tuple]:
    failed = []
    parameters = {"la_code": config.la_code, "comparator_code": config.comparator_code}
    for n, check in enumerate(cross_row.CROSS_ROW.get(table, [])):
        if check.needs_lookup and not lookup_known:
            continue
        used = {k: v for k, v in parameters.items() if f"${k}" in check.failing}
        rows = con.execute(f"{check.failing} order by _source, _file, _line", used).fetchall()
        results[CROSS_ROW_POSITION + n] = {
            "table": table,
            "check": check.name,
            "reason": check.reason,
            "success": not rows,
            "rows_checked": total,
            "rows_failed": len(rows),
            "sample": [{"_source": s, "_file": f, "_line": line} for s, f, line in rows[:SAMPLE_ROWS]],
            "sample_values": [],
        }
        failed += [(s, f, line, CROSS_ROW_POSITION + n, check.name, check.reason) for s, f, line in rows]
    return failed


def _write_quarantine(con: duckdb.DuckDBPyConnection, table: str, failed: list[tuple]) -> None:
    """quarantine.<table>: every raw row that failed a check, with the checks and reasons in suite order."""
    frame = pd.DataFrame(failed, columns=["_source", "_file", "_line", "position", "name", "reason"]).astype(
        {"_source": "str", "_file": "str", "_line": "int64", "position": "int64", "name": "str", "reason": "str"}
    )
    con.register("_failed", frame)
    con.execute(f"""
        create or replace table quarantine.{table} as
        select r.*, f._checks, f._reasons
        from raw.{table} as r
        join (select _source, _file, _line,
                     string_agg(name, '; ' order by position) as _checks,
                     string_agg(reason, '; ' order by position) as _reasons
              from (select distinct * from _failed) group by _source, _file, _line) as f
        using (_source, _file, _line)
        order by r._source, r._file, r._line""")
    con.unregister("_failed")


def _borough_wards(con: duckdb.DuckDBPyConnection, config: Config) -> set[str]:
    if not _table_exists(con, "raw", "lsoa_ward_lookup"):
        return set()
    return {
        w
        for (w,) in con.execute(
            "select distinct ward_code from raw.lsoa_ward_lookup where la_code = ?", [config.la_code]
        ).fetchall()
    }


def _borough_rows(con: duckdb.DuckDBPyConnection, config: Config) -> pd.DataFrame:
    """The Fingertips rows of the borough's wards (the columns the completeness check reads)."""
    return con.execute(
        "select indicator_id, sex, time_period, area_code from raw.fingertips_indicator_value "
        "where area_code in (select ward_code from raw.lsoa_ward_lookup where la_code = ?)",
        [config.la_code],
    ).df()


def _sample_values(frame: pd.DataFrame, rows: list[int], check: suites.Check) -> list[dict]:
    """The offending rows' delivered values in the columns the check looks at (helper columns such as
    value_num or value_is_text are shown as the raw column they were parsed from)."""
    e = check.expectation
    named = [getattr(e, a, None) for a in ("column", "column_A", "column_B")] + list(
        getattr(e, "column_list", None) or []
    )
    base = []
    for column in filter(None, named):
        for suffix in ("_is_text", "_num"):
            column = column.removesuffix(suffix)
        column = {"_proportion_count": "count", "_fields_ok": "_fields", "_count_ok": "count"}.get(column, column)
        if column in frame.columns and column not in base:
            base.append(column)
    return frame.iloc[rows][["_line", *base]].astype(str).to_dict("records") if base else []


def _accounting(con: duckdb.DuckDBPyConnection, table: str) -> list[dict]:
    rows = con.execute(f"""
        select r._source, r._file, r.rows_read, coalesce(q.rows_quarantined, 0)
        from (select _source, _file, count(*) as rows_read from raw.{table} group by all) as r
        left join (select _source, _file, count(*) as rows_quarantined from quarantine.{table} group by all) as q
        using (_source, _file)
        order by r._source, r._file""").fetchall()
    out = []
    for source, file, rows_read, rows_quarantined in rows:
        rows_loaded = int(rows_read) - int(rows_quarantined)
        if rows_loaded < 0:
            raise RuntimeError(
                f"{file}: row accounting does not add up ({rows_read} read, {rows_loaded} loaded, "
                f"{rows_quarantined} quarantined)"
            )
        out.append(
            {
                "table": f"raw.{table}",
                "source": source,
                "file": file,
                "rows_read": int(rows_read),
                "rows_loaded": rows_loaded,
                "rows_quarantined": int(rows_quarantined),
            }
        )
    return out
