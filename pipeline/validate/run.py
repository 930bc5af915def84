"""Run the suites on the raw tables, quarantine failing rows, and account for every row.

For every landed file: rows_read = rows_loaded + rows_quarantined (checked here; a mismatch is a bug
and stops the build). Quarantined rows keep every raw column plus `_checks` (the failed checks) and
`_reasons` (what to do); staging models read raw rows that are not in quarantine.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.config import Config
from pipeline.validate import suites
from pipeline.validate.context import validate

SAMPLE_ROWS = 5


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                            [schema, table]).fetchall()[0][0])


def _borough_wards(con: duckdb.DuckDBPyConnection, config: Config) -> tuple[set[str], set[str]]:
    if not _table_exists(con, "raw", "lsoa_ward_lookup"):
        return set(), set()
    rows = con.execute("select distinct ward_code, la_code from raw.lsoa_ward_lookup").fetchall()
    return {w for w, _ in rows}, {w for w, la in rows if la == config.la_code}


def validate_raw(con: duckdb.DuckDBPyConnection, config: Config) -> dict:
    """Validate every raw table; write quarantine.<table>; return results and per-file accounting."""
    con.execute("create schema if not exists quarantine")
    all_wards, borough_wards = _borough_wards(con, config)
    return validate_tables(con, config, all_wards, borough_wards)


def validate_frame(frame: pd.DataFrame, table: str, config: Config, ward_codes: set[str]) -> dict:
    """Validate one raw frame in memory (no warehouse), e.g. a local drop before it is landed."""
    con = duckdb.connect()
    con.execute("create schema raw")
    con.register("_frame", frame)
    con.execute(f"create table raw.{table} as select * from _frame")
    con.execute("create schema quarantine")
    result = validate_tables(con, config, ward_codes, set())
    con.close()
    return result


def validate_tables(con: duckdb.DuckDBPyConnection, config: Config, all_wards: set[str],
                    borough_wards: set[str]) -> dict:
    plans = {
        "imd_lsoa": lambda f: suites.prepare_deprivation(f, config),
        "lsoa_ward_lookup": lambda f: suites.prepare_lookup(f, config),
        "fingertips_indicator_value": lambda f: suites.prepare_fingertips(f, config, all_wards),
        "local_indicator_value": lambda f: suites.prepare_local(f, config, all_wards),
        "lsoa_population": lambda f: suites.prepare_population(f, config),
        "area_count": lambda f: suites.prepare_area_counts(f, config),
        "nomis_observation": lambda f: suites.prepare_nomis(f, config),
    }
    checks_out, files, table_checks = [], [], []
    for table, prepare in plans.items():
        if not _table_exists(con, "raw", table):
            continue
        raw = con.execute(f"select * from raw.{table}").df()
        if raw.empty:
            con.execute(f"create or replace table quarantine.{table} as "
                        f"select *, '' as _checks, '' as _reasons from raw.{table} limit 0")
            continue
        prepared = prepare(raw)
        outcomes = validate(prepared.frame, table, [c.expectation for c in prepared.checks])
        failed_rows: dict[int, list[suites.Check]] = {}
        for check, outcome in zip(prepared.checks, outcomes):
            rows = list(outcome.result.get("unexpected_index_list") or [])
            if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                raise RuntimeError(f"validation check {table}.{check.name} could not run: "
                                   f"{outcome.exception_info.get('exception_message')}")
            for row in rows:
                failed_rows.setdefault(int(row), []).append(check)
            sample = raw.iloc[rows[:SAMPLE_ROWS]][["_source", "_file", "_line"]].to_dict("records")
            checks_out.append({"table": table, "check": check.name, "reason": check.reason,
                               "success": bool(outcome.success), "rows_checked": len(raw),
                               "rows_failed": len(rows), "sample": sample,
                               "sample_values": _sample_values(prepared.frame, rows[:SAMPLE_ROWS], check)})
        quarantined = raw.iloc[sorted(failed_rows)].copy()
        quarantined["_checks"] = ["; ".join(c.name for c in failed_rows[i]) for i in sorted(failed_rows)]
        quarantined["_reasons"] = ["; ".join(c.reason for c in failed_rows[i]) for i in sorted(failed_rows)]
        con.register("_quarantine", quarantined if len(quarantined) else quarantined.astype({"_checks": "str",
                                                                                             "_reasons": "str"}))
        con.execute(f"create or replace table quarantine.{table} as select * from _quarantine")
        con.unregister("_quarantine")
        files += _accounting(raw, quarantined, table)
        if table == "fingertips_indicator_value":
            missing = suites.completeness(raw, config, borough_wards)
            table_checks.append({"table": table, "check": "borough_wards_complete",
                                 "reason": "every borough ward has a row for each configured indicator, sex and period",
                                 "success": not missing, "rows_failed": len(missing), "sample": missing[:SAMPLE_ROWS]})
    return {"checks": checks_out, "table_checks": table_checks, "files": files}


def _sample_values(frame: pd.DataFrame, rows: list[int], check: suites.Check) -> list[dict]:
    """The offending rows' delivered values in the columns the check looks at (helper columns such as
    value_num or value_is_text are shown as the raw column they were parsed from)."""
    e = check.expectation
    named = [getattr(e, a, None) for a in ("column", "column_A", "column_B")] + list(getattr(e, "column_list", None) or [])
    base = []
    for column in filter(None, named):
        for suffix in ("_is_text", "_num"):
            column = column.removesuffix(suffix)
        column = {"_proportion_count": "count", "_borough_ward_code": "area_code", "_fields_ok": "_fields",
                  "_count_ok": "count"}.get(column, column)
        if column in frame.columns and column not in base:
            base.append(column)
    return frame.iloc[rows][["_line", *base]].astype(str).to_dict("records") if base else []


def _accounting(raw: pd.DataFrame, quarantined: pd.DataFrame, table: str) -> list[dict]:
    read = raw.groupby(["_source", "_file"]).size()
    held = quarantined.groupby(["_source", "_file"]).size() if len(quarantined) else pd.Series(dtype="int64")
    out = []
    for (source, file), rows_read in read.items():
        rows_quarantined = int(held.get((source, file), 0))
        rows_loaded = int(rows_read) - rows_quarantined
        if rows_loaded + rows_quarantined != rows_read or rows_loaded < 0:
            raise RuntimeError(f"{file}: row accounting does not add up ({rows_read} read, {rows_loaded} loaded, "
                               f"{rows_quarantined} quarantined)")
        out.append({"table": f"raw.{table}", "source": source, "file": file, "rows_read": int(rows_read),
                    "rows_loaded": rows_loaded, "rows_quarantined": rows_quarantined})
    return out
