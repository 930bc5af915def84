"""A council's own ward values for an indicator declared in fsot.toml (`fsot ingest local PATH --indicator ID`).

Columns (header row anywhere near the top; names case-insensitive): `area_code`, `period`, `sex`,
`value`, optionally `lower_ci`, `upper_ci`, `count`, `denominator`; any other column (e.g.
`area_name`, `note`) is kept as it is, in `extra` (JSON). CSV (UTF-8 with or without BOM, or
cp1252) or XLSX (first sheet). Values stay strings as delivered.

Community breakdowns (optional): a `category` column (or `Category`) names the group a row
describes, e.g. `Asian`, with an optional `category_type` (or `Category Type`) naming the breakdown,
e.g. `Ethnic groups`. The models label such rows `'<category_type>: <category>'` (the category as
given when there is no type) and put them through the same gap measures as the whole population; a
file without these columns, or an empty or `All` category cell, is the whole population (`'All'`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from pipeline.ingest.csv_file import SourceFileError, find_column, iter_csv_table, json_per_row, with_line_columns
from pipeline.ingest.spreadsheet import read_xlsx_table

RAW_TABLE = "local_indicator_value"
TITLE = "Local ward indicator values"
REQUIRED = ["area_code", "period", "sex", "value"]
OPTIONAL = ["lower_ci", "upper_ci", "count", "denominator"]
# the community breakdown a row describes, and the header names it is found under (case-insensitive)
BREAKDOWN = {"category_type": ("category_type", "category type"), "category": ("category",)}
# _uncalculated: cells of the row holding an Excel formula with no saved result (XLSX only)
OUTPUT = [
    "indicator_id",
    *REQUIRED,
    *OPTIONAL,
    *BREAKDOWN,
    "extra",
    "_uncalculated",
    "_file",
    "_line",
    "_fields",
    "_width",
]


def iter_tables(path: Path):
    """The file as tables: a CSV in chunks of bounded size (a 200 MB file streams), an XLSX whole (its
    size is bounded before it is parsed)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return iter([read_xlsx_table(path, REQUIRED)])
    if suffix in (".csv", ".txt"):
        return iter_csv_table(path, REQUIRED)
    raise SourceFileError(f"{path}: '{path.suffix}' files are not read; give a .csv or .xlsx file")


def read_chunks(paths: list[Path], indicator_id: str) -> Iterator[pd.DataFrame]:
    for path in paths:
        for table in iter_tables(path):
            lowered = {h.lower(): h for h in table.header if h}
            out = pd.DataFrame(index=table.frame.index)
            out["indicator_id"] = indicator_id
            for column in REQUIRED + OPTIONAL:
                original = lowered.get(column)
                out[column] = table.frame[original].str.strip() if original else pd.Series([""] * len(out), dtype="str")
            found = {column: find_column(table, *names, required=False) for column, names in BREAKDOWN.items()}
            for column, original in found.items():
                out[column] = table.frame[original].str.strip() if original else pd.Series([""] * len(out), dtype="str")
            extras = [h for h in table.header if h and h.lower() not in REQUIRED + OPTIONAL and h not in found.values()]
            out["extra"] = json_per_row(table.frame, extras)
            out["_uncalculated"] = table.frame.get("_uncalculated", "")
            with_line_columns(out, table)
            yield out[OUTPUT]


def read(paths: list[Path], indicator_id: str) -> pd.DataFrame:
    frames = list(read_chunks(paths, indicator_id))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUTPUT)
