"""Counts by small area and category, e.g. a Census 2021 table by LSOA (households by occupancy
rating, residents by disability): the raw material for ward indicators built from counts.

The file is long: one row per area × category, with a count and, optionally, the area's total (the
denominator). The source's entry in fsot.toml names the columns, `columns = { area = "lsoa21_code",
category = "occupancy_rating", count = "n", denominator = "total_households" }`, and the period the
counts describe (`period = "2021"`). The area code column's header gives the geography and its vintage
(`lsoa21_code` → LSOA 2021; `oa21cd` → OA 2021). Each indicator that uses the source lists the
categories its numerator counts; the models sum counts and denominators over each ward's areas and
compute the proportion there. Values stay strings as delivered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from pipeline.ingest.csv_file import SourceFileError, find_column, iter_csv_table, with_line_columns

RAW_TABLE = "area_count"
TITLE = "Counts by small area and category"
OUTPUT = [
    "area_code",
    "area_level",
    "area_vintage",
    "category",
    "count",
    "denominator",
    "_file",
    "_line",
    "_fields",
    "_width",
]
CHANGE_KEY, CHANGE_VALUE, CHANGE_PERIOD, CHANGE_INDICATOR = ["area_code", "category"], "count", None, "category"
NUMERIC = ["count"]
GEOGRAPHY = re.compile(r"(lsoa|oa)\s*(\d\d(?:\d\d)?)", re.IGNORECASE)


def read_chunks(paths: list[Path], source=None) -> Iterator[pd.DataFrame]:
    """The files' rows in chunks of bounded size (a Census table for every OA runs to millions of rows)."""
    if source is None:
        raise SourceFileError(f"{paths[0]}: counts by area need their source's columns from fsot.toml")
    roles = dict(source.columns)
    required = [roles[r] for r in ("area", "category", "count")]
    for path in paths:
        for table in iter_csv_table(path, required):
            columns = {role: find_column(table, name) for role, name in roles.items()}
            geography = GEOGRAPHY.search(columns["area"])
            level, year = (geography.group(1).upper(), geography.group(2)) if geography else ("", "")
            out = pd.DataFrame({"area_code": table.frame[columns["area"]].str.strip()})
            out["area_level"] = level
            out["area_vintage"] = (year if len(year) == 4 else f"20{year}") if year else ""
            out["category"] = table.frame[columns["category"]].str.strip()
            out["count"] = table.frame[columns["count"]].str.strip()
            out["denominator"] = (
                table.frame[columns["denominator"]].str.strip()
                if "denominator" in columns
                else pd.Series([""] * len(out), dtype="str")
            )
            with_line_columns(out, table)
            yield out[OUTPUT]


def read(paths: list[Path], source=None) -> pd.DataFrame:
    return pd.concat(list(read_chunks(paths, source)), ignore_index=True)
