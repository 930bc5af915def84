"""The report's only door to the data: it opens the warehouse (read-only), reads the marts the page
shows (`read_marts`: the SQL of the report, and intermediate.int_deprivation_group for the quintile
panels), the record of the build it reads, the raw manifest of the landed files and the landed ward
boundaries. Everything else in the report works on what these return.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipeline import __version__
from pipeline.config import Config
from pipeline.ingest.landing import read_manifest
from pipeline.warehouse.build import connect

HEADLINE = ("absolute_gap", "local_quintile")  # the gap the summary and trend charts follow


def open_warehouse(config: Config):
    """The warehouse, opened read-only (the report never writes to it)."""
    return connect(config.warehouse_path)


def landed_manifest(config: Config) -> list[dict]:
    """The provenance records of every landed file (data/raw/manifest.json): the data-freshness table and
    the run id read them."""
    return read_manifest(config)


HEADLINE = ("absolute_gap", "local_quintile")  # the gap the summary and trend charts follow


ENGLAND_RANGE_AREA_TYPES = ("UA", "District", "Unitary authority", "Lower tier local authority")


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
            select m.*, v.period_sort from marts.fct_gap_measure as m
            inner join (select distinct indicator_id, sex, period, period_sort
                        from intermediate.int_indicator_value__configured) as v using (indicator_id, sex, period)""",
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
        "quintiles": """
            select g.*, v.period_sort from intermediate.int_deprivation_group as g
            inner join (select distinct indicator_id, sex, period, period_sort
                        from intermediate.int_indicator_value__configured) as v using (indicator_id, sex, period)
            where g.grouping = 'local_quintile'""",
        # England's range for the spine charts: the spread of England's lower-tier local authorities'
        # values (Fingertips' "Districts & UAs"), when a source delivered them (at least 30 areas)
        "england_range": f"""
            select indicator_id, sex, period, count(*) as areas,
                case when any_value(polarity_sign) = 1 then min(value) else max(value) end as worst,
                quantile_cont(value, 0.25) as q25, quantile_cont(value, 0.75) as q75,
                case when any_value(polarity_sign) = 1 then max(value) else min(value) end as best
            from intermediate.int_indicator_value__configured
            where category = 'All' and value is not null and area_type in {ENGLAND_RANGE_AREA_TYPES}
            group by indicator_id, sex, period having count(*) >= 30""",
    }
    return {name: con.execute(sql).df() for name, sql in queries.items()}


def _boundaries(config: Config, vintage):
    """The landed boundaries of the vintage (checked against their recorded sha256) as ward polygons."""
    from pipeline.ingest.landing import landed_files
    from pipeline.report import maps

    source = config.source(vintage.boundaries)
    frames = [maps.read_boundaries(path, source.column("code")) for path in landed_files(config, source)]
    return frames[0] if len(frames) == 1 else maps.gpd.GeoDataFrame(pd.concat(frames, ignore_index=True),
                                                                      crs=frames[0].crs)


def report_provenance(con, period: str, run_date: date, identity: dict) -> dict:
    """What made this report and its exports: fsot version, git revision, the run id (`run_identity`,
    the one printed on every page of the report) and the fingerprint of the warehouse build it reads."""
    try:
        fingerprint, built_at = con.execute("select fingerprint, built_at from config.build_inputs").fetchone()
    except Exception:  # a warehouse built without the record (e.g. in tests)
        fingerprint, built_at = "", ""
    return {"fsot_version": __version__, "git_revision": identity["git_revision"], "run_id": identity["run_id"],
            "warehouse_fingerprint": str(fingerprint), "warehouse_built_at": str(built_at),
            "report_period": period, "report_date": run_date.isoformat()}
