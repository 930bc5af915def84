"""Load landed files into `raw.*` (strings as delivered, plus `_source`, `_file`, `_line`) and the
configuration into `config.*`, so that SQL models read nothing from Python but tables and variables.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.config import LOCAL_SOURCE, Config
from pipeline.ingest import local_drop, reader_for
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
        reader = reader_for(source.format)
        try:
            frame = reader.read(landed_files(config, source))
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
    counts = {}
    for table, parts in frames.items():
        frame = pd.concat(parts, ignore_index=True).astype({"_line": "int64"})
        con.register("_incoming", frame)
        con.execute(f"create or replace table raw.{table} as select * from _incoming")
        con.unregister("_incoming")
        counts[f"raw.{table}"] = len(frame)
    return counts, errors


def load_config(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Write fsot.toml's indicators and target areas to config.* and its settings to DuckDB variables."""
    indicators = pd.DataFrame(
        [{
            "indicator_id": i.id, "indicator_name": i.name, "short_name": i.short_name, "theme": i.theme,
            "unit": i.unit, "polarity": i.polarity, "source": i.source, "baseline_period": i.baseline_period,
            # +1 when a higher value is better, -1 when lower is better: multiplying by it orients every gap
            "polarity_sign": 1 if i.higher_is_better else -1,
            "sort_order": n,
        } for n, i in enumerate(config.indicators)]
    )
    sexes = pd.DataFrame([{"indicator_id": i.id, "sex": s} for i in config.indicators for s in i.sexes])
    areas = pd.DataFrame(
        [{"target_area": a.name, "ward_code": w} for a in config.target_areas for w in a.wards],
        columns=["target_area", "ward_code"],
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
                        ("indicator_target", targets)):
        con.register("_incoming", frame)
        con.execute(f"create or replace table config.{name} as select * from _incoming")
        con.unregister("_incoming")
    set_variables(con, config)


def set_variables(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Settings that models read with getvariable(); prepared parameters, never string formatting."""
    for name, value in (
        ("local_authority_code", config.la_code),
        ("england_code", config.comparator_code),
        ("suppression_markers", list(config.suppression_markers)),
        ("sii_repetitions", config.sii_repetitions),
        ("sii_seed", config.sii_seed),
        ("disclosure_max_suppressed_count", config.disclosure_max_suppressed_count),
        ("target_year", config.target_year),
    ):
        con.execute(f"set variable {name} = ?", [value])
