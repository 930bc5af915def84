"""OHID Fingertips "all data" CSV exports (the download button and the API's /all_data/csv endpoints).

The export has 27 columns, CRLF line endings and some quirks that are kept as they are: a column
literally headed `Column not used`, rows repeated with a different `Age`, non-integer denominators,
deprivation-category rows (`Category Type`/`Category`) beside the area rows, and 99.8 % limits
mostly filled only for the latest period. Every column is kept, renamed to snake_case; values stay
strings as delivered (empty = not published; `Value note` says why).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from pipeline.ingest.csv_file import SourceFileError, iter_csv_table, with_line_columns

RAW_TABLE = "fingertips_indicator_value"
TITLE = "OHID Fingertips indicator export"

REQUIRED = [
    "Indicator ID",
    "Indicator Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Count",
    "Denominator",
    "Value note",
]
OPTIONAL = [
    "Parent Code",
    "Parent Name",
    "Category Type",
    "Category",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Column not used",
    "Time period Sortable",
    "New data",
    "Compared to goal",
    "Time period range",
]


def snake(name: str) -> str:
    name = name.replace("95.0", "95").replace("99.8", "998")
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


OUTPUT = [snake(c) for c in REQUIRED + OPTIONAL] + ["_file", "_line", "_fields", "_width"]
# what identifies one published value, for "what changed" between two pulls (pipeline.ingest.pull)
CHANGE_KEY = ["indicator_id", "area_code", "sex", "age", "category_type", "category", "time_period"]
CHANGE_VALUE, CHANGE_PERIOD, CHANGE_INDICATOR = "value", "time_period", "indicator_id"
NUMERIC = ["value"]


def read_chunks(paths: list[Path], source=None) -> Iterator[pd.DataFrame]:
    """The files' rows in chunks of bounded size (an all-wards export of England has ~700,000 rows)."""
    for path in paths:
        try:
            for table in iter_csv_table(path, REQUIRED):
                lowered = {h.lower(): h for h in table.header}
                out = pd.DataFrame(index=table.frame.index)
                for column in REQUIRED + OPTIONAL:
                    original = lowered.get(column.lower())
                    out[snake(column)] = (
                        table.frame[original].str.strip() if original else pd.Series([""] * len(out), dtype="str")
                    )
                with_line_columns(out, table)
                yield out[OUTPUT]
        except SourceFileError as exc:
            raise SourceFileError(
                f"{exc}; export 'all data' for the indicator from Fingertips and land that file unchanged"
            ) from exc


def read(paths: list[Path], source=None) -> pd.DataFrame:
    return pd.concat(list(read_chunks(paths, source)), ignore_index=True)
