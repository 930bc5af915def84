"""ONS LSOA → electoral ward → local authority lookups (Open Geography Portal CSVs).

CSV as downloaded, or ArcGIS query responses (JSON) as `ons_arcgis` lands them.
Columns are recognised by ONS naming (`LSOA11CD`, `WD19CD`, `WD19NM`, `LAD19CD`, …) or the snake_case
form of common redistributions (`lsoa11_code`, `ward17_code`, `ltla24_name`, …). The two digits in the
header are the vintage and are kept as data (`ward_vintage` = "WD19"): ward boundaries change, and a
join between vintages must say so. Names and the local authority may be absent (codes-only lookups).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.ingest.csv_file import SourceFileError, read_table, with_line_columns

RAW_TABLE = "lsoa_ward_lookup"
TITLE = "LSOA to electoral ward to local authority lookup"

PATTERNS = {
    "lsoa_code": r"lsoa(\d\d)(cd|_code)",
    "lsoa_name": r"lsoa(\d\d)(nm|_name)",
    "ward_code": r"(?:wd|ward)(\d\d)(cd|_code)",
    "ward_name": r"(?:wd|ward)(\d\d)(nm|_name)",
    "la_code": r"(?:lad|ltla|lau?)(\d\d)(cd|_code)",
    "la_name": r"(?:lad|ltla|lau?)(\d\d)(nm|_name)",
}
OUTPUT = [
    "lsoa_code",
    "lsoa_name",
    "lsoa_vintage",
    "ward_code",
    "ward_name",
    "ward_vintage",
    "la_code",
    "la_name",
    "la_vintage",
    "_file",
    "_line",
    "_fields",
    "_width",
]
CHANGE_KEY, CHANGE_VALUE, CHANGE_PERIOD, CHANGE_INDICATOR = ["lsoa_code"], "ward_code", None, None
NUMERIC: list[str] = []


def has_lsoa_and_ward(cells: list[str]) -> bool:
    """LSOA code and ward code columns (e.g. LSOA11CD and WD19CD)"""
    return any(re.fullmatch(PATTERNS["lsoa_code"], c, re.IGNORECASE) for c in cells) and any(
        re.fullmatch(PATTERNS["ward_code"], c, re.IGNORECASE) for c in cells
    )


def read(paths: list[Path], source=None) -> pd.DataFrame:
    frames = []
    for path in paths:
        table = read_table(path, has_lsoa_and_ward)
        out = pd.DataFrame(index=table.frame.index)
        vintages: dict[str, str] = {}
        for name, pattern in PATTERNS.items():
            column = next((h for h in table.header if re.fullmatch(pattern, h, flags=re.IGNORECASE)), None)
            if column is None:
                if name in ("lsoa_code", "ward_code"):
                    raise SourceFileError(
                        f"{path}: line 1 (header) has no {name.replace('_', ' ')} column such as "
                        f"{'LSOA11CD' if name == 'lsoa_code' else 'WD19CD'}; check this is an ONS LSOA-to-ward lookup"
                    )
                out[name] = pd.Series([None] * len(out), dtype="str")
                continue
            out[name] = table.frame[column].str.strip()
            vintages[name.split("_")[0]] = re.fullmatch(pattern, column, flags=re.IGNORECASE).group(1)
        out["lsoa_vintage"] = f"20{vintages['lsoa']}"
        out["ward_vintage"] = f"WD{vintages['ward']}"
        out["la_vintage"] = f"20{vintages['la']}" if "la" in vintages else None
        with_line_columns(out, table)
        frames.append(out[OUTPUT])
    return pd.concat(frames, ignore_index=True)
