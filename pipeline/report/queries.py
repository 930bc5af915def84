"""The report's only door to the data, and the one place for its SQL: it opens the warehouse (read-only)
and reads the marts the page shows (`read_marts`), the provenance of the landed files as the build
loaded it (marts.dim_landed_file, dim_source_release), what the limitations section counts, the
periods the methods appendix records, every mart the exports write (`mart_fields`, `export_select`,
…) and the record of the build it reads. It reads the tables of schema marts, the configuration
(config.*) and information_schema only: never staging, intermediate or raw, and nothing of data/raw
but the ward boundary files the maps draw, found through marts.dim_ward_boundary_file and checked
against the sha256 recorded when they were landed (`ward_boundaries`). tests/test_report_reads_marts.py
checks that no other report module runs SQL or imports pipeline.ingest. Everything else in the report
works on what these return.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import date

import duckdb
import pandas as pd

from pipeline import __version__
from pipeline.config import Config
from pipeline.report.text import ReportError

HEADLINE = ("absolute_gap", "local_quintile")  # the gap the summary and trend charts follow
SCHEMA = "marts"  # the only schema of models the report reads
# the report's own marts (not exported): a warehouse built by an earlier fsot lacks them
REPORT_MARTS = (
    "dim_indicator_period",
    "dim_landed_file",
    "dim_source_release",
    "dim_ward_boundary_file",
    "fct_deprivation_group_mean",
    "fct_local_authority_range",
)


def open_warehouse(config: Config) -> duckdb.DuckDBPyConnection:
    """The warehouse, opened read-only (the report never writes to it); a warehouse without the marts
    the report reads is refused with what to do."""
    if not config.warehouse_path.is_file():
        raise FileNotFoundError(f"{config.warehouse_path}: no warehouse yet; run `fsot build` (or `fsot run`) first")
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    present = {
        t
        for (t,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? and table_catalog = current_database()",
            [SCHEMA],
        ).fetchall()
    }
    missing = [t for t in REPORT_MARTS if t not in present]
    if missing:
        con.close()
        raise ReportError(
            f"{config.warehouse_path}: the warehouse has no {', '.join(f'{SCHEMA}.{t}' for t in missing)} "
            "(it was built by an earlier fsot); run `fsot build`, then report again"
        )
    return con


def read_marts(con) -> dict[str, pd.DataFrame]:
    """The marts the report shows (every category; the sections pick the whole population)."""
    queries = {
        "wards": "select * from marts.fct_ward_indicator where in_borough",
        "gaps": f"""
            select gap.*, period_end_year(gap.period) as period_year, m.lower_ci as gap_lower_ci,
                   m.upper_ci as gap_upper_ci
            from marts.fct_gap as gap
            left join marts.fct_gap_measure as m
                on m.indicator_id = gap.indicator_id and m.sex = gap.sex and m.category = gap.category
                and m.period = gap.period and m.measure = '{HEADLINE[0]}' and m.grouping = '{HEADLINE[1]}'""",
        "measures": """
            select m.*, p.period_sort from marts.fct_gap_measure as m
            inner join marts.dim_indicator_period as p using (indicator_id, sex, period)""",
        "changes": "select * from marts.fct_gap_change",
        "trends": "select * from marts.fct_trend",
        "progress": "select * from marts.fct_target_progress",
        "target_series": """
            select t.target_id, t.indicator_id, t.sex, t.measure, t.grouping, t.target_value, t.reduction, t.shape
            from config.indicator_target as t order by t.target_id, t.sex""",
        "trajectories": "select * from marts.fct_target_trajectory",
        "benchmark": "select * from marts.fct_benchmark_comparison",
        "headline": "select * from marts.fct_deprivation_headline",
        "deprivation": "select * from marts.fct_ward_deprivation",
        "quintiles": "select * from marts.fct_deprivation_group_mean where grouping = 'local_quintile'",
        # England's range for the spine charts: the spread of England's lower-tier local authorities'
        # values (Fingertips' "Districts & UAs"), when a source delivered them (at least 30 areas)
        "england_range": "select * from marts.fct_local_authority_range",
        # the current release of each source landed: the data-freshness table and the "new this quarter" box
        "releases": "select * from marts.dim_source_release where is_current order by source_id",
        "boundary_files": "select * from marts.dim_ward_boundary_file order by ward_vintage, file_order",
    }
    return {name: con.execute(sql).df() for name, sql in queries.items()}


def landed_records(con) -> list[dict]:
    """The provenance record of every landed file as the build loaded it from data/raw/manifest.json
    (marts.dim_landed_file), in the manifest's order: what the run id hashes."""
    return [
        json.loads(record)
        for (record,) in con.execute(
            "select provenance_record from marts.dim_landed_file order by record_number"
        ).fetchall()
    ]


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ward_boundaries(config: Config, vintage, files: pd.DataFrame):
    """The boundaries of the vintage as ward polygons, from its files in marts.dim_ward_boundary_file:
    each path is taken relative to the project and checked (landed, present, the sha256 recorded when it
    was landed) before it is read; maps.BoundariesError says which file and what to do."""
    from pipeline.report import maps

    source = config.source(vintage.boundaries)
    chosen = files[files["ward_vintage"] == vintage.id].sort_values("file_order")
    if len(chosen) and set(chosen["source_id"]) != {source.id}:
        raise maps.BoundariesError(
            f"the warehouse was built with the boundaries {', '.join(sorted(set(chosen['source_id'])))} "
            f"for {vintage.id}, not {source.id}; run `fsot build`, then report again"
        )
    if chosen.empty:
        raise maps.BoundariesError(
            f"source {source.id!r} has not been pulled yet; run `fsot ingest` (with network), then `fsot build`"
            if source.pulled
            else f"the warehouse lists no file of source {source.id!r}; run `fsot build`"
        )
    paths = []
    for row in chosen.itertuples():
        path = config.root / row.file_path
        if not row.is_landed:
            raise maps.BoundariesError(
                f"{path}: not landed yet for source {source.id!r}; run `fsot ingest`, then `fsot build`"
            )
        if not path.is_file():
            raise maps.BoundariesError(
                f"{path}: missing, though it was landed for source {source.id!r}; restore it "
                "from a backup (or land the source again with `fsot ingest`)"
            )
        if _sha256(path) != row.sha256:
            raise maps.BoundariesError(
                f"{path}: changed since it was landed (sha256 differs from "
                "data/raw/manifest.json); raw files must not be edited: restore the original "
                "or land a new release"
            )
        paths.append(path)
    frames = [maps.read_boundaries(path, source.column("code")) for path in paths]
    return (
        frames[0]
        if len(frames) == 1
        else maps.gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    )


def report_provenance(con, period: str, run_date: date, identity: dict) -> dict:
    """What made this report and its exports: fsot version, git revision, the run id (`run_identity`,
    the one printed on every page of the report) and the fingerprint of the warehouse build it reads."""
    try:
        fingerprint, built_at = con.execute("select fingerprint, built_at from config.build_inputs").fetchone()
    except Exception:  # a warehouse built without the record (e.g. in tests)
        fingerprint, built_at = "", ""
    return {
        "fsot_version": __version__,
        "git_revision": identity["git_revision"],
        "run_id": identity["run_id"],
        "warehouse_fingerprint": str(fingerprint),
        "warehouse_built_at": str(built_at),
        "report_period": period,
        "report_date": run_date.isoformat(),
    }


def indicator_periods(con) -> list[tuple[str, str]]:
    """(indicator_id, period) of every indicator's ward values (marts.fct_ward_indicator), oldest first."""
    return con.execute("""
        select indicator_id, period from marts.fct_ward_indicator
        group by indicator_id, period order by indicator_id, min(period_sort), period
    """).fetchall()


def limitation_counts(con) -> dict[str, list[tuple]]:
    """What the limitations section counts (pipeline/report/appendix/limitations.py): wards per
    deprivation group (marts.fct_ward_deprivation), wards and unscored or partly scored wards per vintage,
    the fewest and most wards with a value behind a group mean (marts.fct_deprivation_group_mean), and each
    indicator's vintage, weights and periods of gap measures (config.indicator, marts.fct_gap_measure,
    marts.dim_indicator_period)."""
    return {
        "groups": con.execute("""
            with groups as (
                select ward_vintage, 'local_quintile' as grouping, local_quintile as grp from marts.fct_ward_deprivation
                union all select ward_vintage, 'local_decile', local_decile from marts.fct_ward_deprivation
                union all select ward_vintage, 'national_quintile', national_quintile from marts.fct_ward_deprivation
                union all select ward_vintage, 'national_decile', national_decile from marts.fct_ward_deprivation
            )
            select ward_vintage, grouping, grp, count(*) as wards from groups where grp is not null
            group by all order by ward_vintage, grouping, grp""").fetchall(),
        "wards": con.execute("""
            select ward_vintage, count(*), count(*) filter (where imd_score is null),
                   count(*) filter (where score_population_share < 0.999)
            from marts.fct_ward_deprivation group by ward_vintage""").fetchall(),
        "fewest": con.execute("""
            select g.grouping, min(g.wards_with_value), max(g.wards_with_value)
            from marts.fct_deprivation_group_mean as g where g.category = 'All' and g.wards_with_value > 0
            group by g.grouping order by g.grouping""").fetchall(),
        "vintages": con.execute("""
            select i.indicator_id, i.short_name, i.ward_vintage, i.imd_edition, i.population_weights,
                   min(m.period) filter (where m.period_sort = p.first_sort) as first_period,
                   max(m.period) filter (where m.period_sort = p.last_sort) as last_period,
                   count(distinct m.period) as periods
            from config.indicator as i
            left join (select m.indicator_id, m.period, v.period_sort
                       from marts.fct_gap_measure as m
                       inner join (select distinct indicator_id, period, period_sort
                                   from marts.dim_indicator_period) as v using (indicator_id, period)
                       ) as m on m.indicator_id = i.indicator_id
            left join (select indicator_id, min(period_sort) as first_sort, max(period_sort) as last_sort
                       from marts.dim_indicator_period group by indicator_id) as p
                on p.indicator_id = i.indicator_id
            group by all order by min(i.sort_order), i.indicator_id""").fetchall(),
    }


# --- the exports (pipeline/report/exports.py): every table of schema marts, as it is -----------------

BATCH_ROWS = 10_000  # rows fetched from DuckDB at a time
PERIOD_TABLE = "dim_indicator_period"  # the mart whose period keys the export adds to other marts


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def mart_fields(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[tuple[str, str], ...]]:
    """Every table of schema marts (ordered by name) with its fields and DuckDB types in column order."""
    fields: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_catalog = current_database() order by table_name, ordinal_position",
        [SCHEMA],
    ).fetchall():
        fields.setdefault(table, []).append((column, data_type))
    return {table: tuple(columns) for table, columns in fields.items()}


def period_keys_available(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse has the period dimension (marts.dim_indicator_period) the exports add keys from."""
    return bool(
        con.execute(
            "select count(*) from information_schema.columns where table_schema = ? and "
            "table_name = ? and column_name in ('period_sort', 'period_start', 'indicator_id', "
            "'period') and table_catalog = current_database()",
            [SCHEMA, PERIOD_TABLE],
        ).fetchone()[0]
        == 4
    )


def export_select(table: str, added: Sequence[str] = ()) -> str:
    """The SELECT of a table's export: every column, then the period keys named in `added` (the
    earliest of each indicator and period in marts.dim_indicator_period), the mart's row order kept."""
    if not added:
        return f"select * from {SCHEMA}.{quoted(table)}"
    keys = ", ".join(f"p.{name}" for name in added)
    return (
        f"select t.*, {keys} from {SCHEMA}.{quoted(table)} as t left join (select indicator_id, period, "
        f"min(period_sort) as period_sort, min(period_start) as period_start from {SCHEMA}.{PERIOD_TABLE} "
        "group by indicator_id, period) as p on p.indicator_id = t.indicator_id and p.period = t.period "
        "order by t.rowid"
    )


def measure_export(con: duckdb.DuckDBPyConnection, columns: Iterable[str], select: str) -> tuple[int, list]:
    """Row count and, per column, the length of its longest value as text (None when all are missing)."""
    longest = ", ".join(f"max(length(cast({quoted(column)} as varchar)))" for column in columns)
    count, *lengths = con.execute(f"select count(*), {longest} from ({select})").fetchone()
    return count, lengths


def export_rows(con: duckdb.DuckDBPyConnection, select: str) -> Iterable[tuple]:
    """The rows of an export's SELECT, fetched BATCH_ROWS at a time."""
    result = con.execute(select)
    while batch := result.fetchmany(BATCH_ROWS):
        yield from batch


def export_batches(con: duckdb.DuckDBPyConnection, select: str):
    """The export's SELECT as an Arrow record batch reader (the warehouse's types and exact values)."""
    return con.sql(select).to_arrow_reader(BATCH_ROWS)
