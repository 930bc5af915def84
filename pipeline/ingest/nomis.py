"""Nomis CSV (the `dataset/<id>.data.csv` API and Nomis downloads), e.g. the claimant count NM_162_1.

Upper-case columns as Nomis sends them: DATE, DATE_NAME, GEOGRAPHY_CODE, GEOGRAPHY_NAME,
GEOGRAPHY_TYPE, MEASURE_NAME, MEASURES_NAME, OBS_VALUE, OBS_STATUS, RECORD_OFFSET, RECORD_COUNT; any
other column (a dataset's own dimensions, e.g. GENDER_NAME, AGE_NAME) is kept in `dimensions` (JSON).
Several files (the pages of one pull) are read together. Values stay strings as delivered.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from pipeline.ingest.csv_file import iter_csv_table, json_per_row, with_line_columns

RAW_TABLE = "nomis_observation"
TITLE = "Nomis observations"
REQUIRED = ["GEOGRAPHY_CODE", "OBS_VALUE"]
COLUMNS = [
    "DATE",
    "DATE_NAME",
    "GEOGRAPHY_CODE",
    "GEOGRAPHY_NAME",
    "GEOGRAPHY_TYPE",
    "MEASURE_NAME",
    "MEASURES_NAME",
    "OBS_VALUE",
    "OBS_STATUS",
    "RECORD_OFFSET",
    "RECORD_COUNT",
]
OUTPUT = [c.lower() for c in COLUMNS] + ["dimensions", "_file", "_line", "_fields", "_width"]
CHANGE_KEY = ["date", "geography_code", "measure_name", "measures_name", "dimensions"]
CHANGE_VALUE, CHANGE_PERIOD, CHANGE_INDICATOR = "obs_value", "date_name", "measure_name"
NUMERIC = ["obs_value"]


def read_chunks(paths: list[Path], source=None) -> Iterator[pd.DataFrame]:
    """The files' rows in chunks of bounded size."""
    for path in paths:
        for table in iter_csv_table(path, REQUIRED):
            upper = {h.upper(): h for h in table.header}
            out = pd.DataFrame(index=table.frame.index)
            for column in COLUMNS:
                original = upper.get(column)
                out[column.lower()] = (
                    table.frame[original].str.strip() if original else pd.Series([""] * len(out), dtype="str")
                )
            others = [h for h in table.header if h and h.upper() not in COLUMNS]
            out["dimensions"] = json_per_row(table.frame, others)
            with_line_columns(out, table)
            yield out[OUTPUT]


def read(paths: list[Path], source=None) -> pd.DataFrame:
    frames = list(read_chunks(paths, source))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUTPUT)
