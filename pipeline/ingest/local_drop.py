"""A council's own ward values for an indicator declared in fsot.toml (`fsot ingest local PATH --indicator ID`).

Columns (header row anywhere near the top; names case-insensitive): `area_code`, `period`, `sex`,
`value`, optionally `lower_ci`, `upper_ci`, `count`, `denominator`; any other column (e.g.
`area_name`, `note`) is kept as it is, in `extra` (JSON). CSV (UTF-8 with or without BOM, or
cp1252) or XLSX (first sheet). Values stay strings as delivered.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.ingest.csv_file import SourceFileError, read_csv_table, with_line_columns
from pipeline.ingest.spreadsheet import read_xlsx_table

RAW_TABLE = "local_indicator_value"
TITLE = "Local ward indicator values"
REQUIRED = ["area_code", "period", "sex", "value"]
OPTIONAL = ["lower_ci", "upper_ci", "count", "denominator"]
OUTPUT = ["indicator_id", *REQUIRED, *OPTIONAL, "extra", "_file", "_line", "_fields", "_width"]


def read_table(path: Path):
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx_table(path, REQUIRED)
    if suffix in (".csv", ".txt"):
        return read_csv_table(path, REQUIRED)
    raise SourceFileError(f"{path}: '{path.suffix}' files are not read; give a .csv or .xlsx file")


def read(paths: list[Path], indicator_id: str) -> pd.DataFrame:
    frames = []
    for path in paths:
        table = read_table(path)
        lowered = {h.lower(): h for h in table.header if h}
        out = pd.DataFrame(index=table.frame.index)
        out["indicator_id"] = indicator_id
        for column in REQUIRED + OPTIONAL:
            original = lowered.get(column)
            out[column] = table.frame[original].str.strip() if original else pd.Series([""] * len(out), dtype="str")
        extras = [h for h in table.header if h and h.lower() not in REQUIRED + OPTIONAL]
        out["extra"] = [json.dumps({h: row[h] for h in extras}, ensure_ascii=False, sort_keys=True)
                        for _, row in table.frame[extras].iterrows()] if extras else "{}"
        with_line_columns(out, table)
        frames.append(out[OUTPUT])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUTPUT)
