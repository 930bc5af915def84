"""Load landed files into `raw.*` (strings as delivered, plus `_source`, `_file`, `_line`) and the
configuration into `config.*`, so that SQL models read nothing from Python but tables and variables.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.config import LOCAL_SOURCE, NOT_LOADED, Config
from pipeline.ingest import FORMATS, local_drop, reader_for
from pipeline.ingest.csv_file import SourceFileError
from pipeline.ingest.landing import LandingError, landed_files, local_drops

SCHEMAS = ("raw", "quarantine", "config", "staging", "intermediate", "marts")


def create_schemas(con: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")


def load_raw(con: duckdb.DuckDBPyConnection, config: Config) -> tuple[dict[str, int], list[str]]:
    """Read every configured source's landed files into raw.<table>.

    A source whose file cannot be read (file-level failure) is left out and its one-line error
    returned; the other sources still load. Returns (rows per raw table, errors)."""
    frames: dict[str, list[pd.DataFrame]] = {}
    errors: list[str] = []
    for source in config.sources:
        if source.reads_as == NOT_LOADED:  # landed for other uses (e.g. boundaries for maps)
            continue
        reader = reader_for(source.reads_as)
        try:
            frame = reader.read(landed_files(config, source), source)
        except (SourceFileError, LandingError) as exc:
            errors.append(f"source {source.id!r}: {exc}")
            continue
        frame.insert(0, "_source", source.id)
        frames.setdefault(reader.RAW_TABLE, []).append(frame)
    declared = {i.id for i in config.indicators if i.source == LOCAL_SOURCE}
    local = [pd.DataFrame(columns=["_source", *local_drop.OUTPUT]).astype({"_line": "int64"})]
    try:
        for indicator, paths in sorted(local_drops(config).items()):
            if indicator in declared:  # a drop for an indicator no longer declared as local is not loaded
                part = local_drop.read(paths, indicator)
                part.insert(0, "_source", "local")
                local.append(part)
    except (SourceFileError, LandingError) as exc:
        errors.append(f"local drops: {exc}")
    frames[local_drop.RAW_TABLE] = local
    for reader in FORMATS.values():  # every raw table exists, empty where no source has its format
        if reader.RAW_TABLE not in frames:
            frames[reader.RAW_TABLE] = [pd.DataFrame(columns=["_source", *reader.OUTPUT], dtype="str")
                                        .astype({"_line": "int64", "_fields": "int64", "_width": "int64"})]
    counts = {}
    for table, parts in frames.items():
        frame = pd.concat(parts, ignore_index=True).astype({"_line": "int64"})
        con.register("_incoming", frame)
        con.execute(f"create or replace table raw.{table} as select * from _incoming")
        con.unregister("_incoming")
        counts[f"raw.{table}"] = len(frame)
    return counts, errors


def ward_vintage_labels(config: Config) -> dict[str, dict]:
    """What each ward vintage rests on, as every output states it: the IMD edition (the deprivation
    source's release) and the population weights (the population sources' titles, in preference order)."""
    labels = {}
    for n, v in enumerate(config.ward_vintages):
        weights = [config.source(p) for p in v.population]
        labels[v.id] = {
            "ward_vintage": v.id, "lookup_source": v.lookup, "deprivation_source": v.deprivation,
            "imd_edition": config.source(v.deprivation).release,
            "population_weights": "; where missing, ".join(f"{s.title or s.id} ({s.release})" for s in weights),
            "sort_order": n,
        }
    return labels


def load_config(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Write fsot.toml's indicators, ward vintages and target areas to config.* and its settings to
    DuckDB variables."""
    vintages = ward_vintage_labels(config)
    indicators = pd.DataFrame(
        [{
            "indicator_id": i.id, "indicator_name": i.name, "short_name": i.short_name, "theme": i.theme,
            "unit": i.unit, "polarity": i.polarity, "source": i.source, "baseline_period": i.baseline_period,
            # +1 when a higher value is better, -1 when lower is better: multiplying by it orients every gap
            "polarity_sign": 1 if i.higher_is_better else -1,
            "sort_order": n,
            "ward_vintage": i.ward_vintage,
            "imd_edition": vintages[i.ward_vintage]["imd_edition"],
            "population_weights": vintages[i.ward_vintage]["population_weights"],
            # counts sources only: the period the counts describe (e.g. Census 2021)
            "counts_period": config.source(i.source).period if i.numerator else None,
            "counts_total_category": config.source(i.source).total_category or None if i.numerator else None,
            "nomis_measure": i.measure or None,  # Nomis sources: the MEASURE_NAME of the value
        } for n, i in enumerate(config.indicators)],
        columns=["indicator_id", "indicator_name", "short_name", "theme", "unit", "polarity", "source",
                 "baseline_period", "polarity_sign", "sort_order", "ward_vintage", "imd_edition",
                 "population_weights", "counts_period", "counts_total_category", "nomis_measure"],
    ).astype({"indicator_id": "str", "counts_period": "str", "counts_total_category": "str", "nomis_measure": "str"})
    numerators = pd.DataFrame([{"indicator_id": i.id, "category": c} for i in config.indicators for c in i.numerator],
                              columns=["indicator_id", "category"]).astype("str")
    ward_vintages = pd.DataFrame(list(vintages.values()),
                                 columns=["ward_vintage", "lookup_source", "deprivation_source", "imd_edition",
                                          "population_weights", "sort_order"])
    weights = pd.DataFrame([{"ward_vintage": v.id, "population_source": p, "preference": n}
                            for v in config.ward_vintages for n, p in enumerate(v.population, start=1)],
                           columns=["ward_vintage", "population_source", "preference"])
    sexes = pd.DataFrame([{"indicator_id": i.id, "sex": s} for i in config.indicators for s in i.sexes])
    areas = pd.DataFrame(
        [{"target_area": a.name, "ward_vintage": a.ward_vintage, "ward_code": w} for a in config.target_areas
         for w in a.wards],
        columns=["target_area", "ward_vintage", "ward_code"],
    ).astype("str")
    targets = pd.DataFrame(
        [{"target_id": f"{i.id}-{n}", "indicator_id": i.id, "sex": sex, "measure": t.measure, "grouping": t.grouping,
          "target_value": t.value, "reduction": t.reduction, "shape": t.shape}
         for i in config.indicators for n, t in enumerate(i.targets, start=1)
         for sex in ([t.sex] if t.sex else i.sexes)],
        columns=["target_id", "indicator_id", "sex", "measure", "grouping", "target_value", "reduction", "shape"],
    ).astype({"target_id": "str", "indicator_id": "str", "sex": "str", "measure": "str", "grouping": "str", "target_value": "float64",
              "reduction": "float64", "shape": "str"})
    for name, frame in (("indicator", indicators), ("indicator_sex", sexes), ("target_area_ward", areas),
                        ("indicator_target", targets), ("indicator_numerator", numerators),
                        ("ward_vintage", ward_vintages), ("ward_vintage_population", weights)):
        con.register("_incoming", frame)
        con.execute(f"create or replace table config.{name} as select * from _incoming")
        con.unregister("_incoming")
    set_variables(con, config)


def set_variables(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Settings that models read with getvariable(); prepared parameters, never string formatting."""
    for name, value in (
        ("local_authority_code", config.la_code),
        ("local_authority_name", config.la_name),
        ("comparator_name", config.comparator_name),
        ("england_code", config.comparator_code),
        ("suppression_markers", list(config.suppression_markers)),
        ("sii_repetitions", config.sii_repetitions),
        ("sii_seed", config.sii_seed),
        ("disclosure_max_suppressed_count", config.disclosure_max_suppressed_count),
        ("target_year", config.target_year),
    ):
        con.execute(f"set variable {name} = ?", [value])
