"""English Indices of Deprivation (IoD2019, and IoD2025 where its files are given), LSOA level.

Reads the files as MHCLG publishes them: either File 7 alone (scores, ranks, deciles and population
denominators for all 32,844 LSOAs) or the separate files it combines (File 5 scores, with File 1
ranks/deciles and File 6 population denominators if wanted), in any order; a score is the one column
every combination needs (`ACCEPTED` lists them). Columns are recognised by their published
headers (and by the snake_case headers of common redistributions such as `lsoa_code, imd_score`).
Values stay strings as delivered ("29,199" included): staging casts them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.ingest.csv_file import SourceFileError, find_column, read_csv_table, with_line_columns

RAW_TABLE = "imd_lsoa"
TITLE = "English Indices of Deprivation, LSOA level"

COLUMNS = {
    "lsoa_code": ("LSOA code*", "lsoa_code", "lsoa11cd", "lsoa11_code", "lsoa21cd", "lsoa21_code"),
    "lsoa_name": ("LSOA name*", "lsoa_name", "lsoa11nm", "lsoa11_name", "lsoa21nm", "lsoa21_name"),
    "la_code": ("Local Authority District code*", "la_code", "lad19cd", "lad24cd", "ltla_code"),
    "la_name": ("Local Authority District name*", "la_name", "lad19nm", "lad24nm", "ltla_name"),
    "imd_score": ("Index of Multiple Deprivation (IMD) Score", "imd_score"),
    "imd_rank": ("Index of Multiple Deprivation (IMD) Rank*", "imd_rank"),
    "imd_decile": ("Index of Multiple Deprivation (IMD) Decile*", "imd_decile"),
    "population": ("Total population: mid*", "total_population", "population"),
}
OUTPUT = [
    "lsoa_code",
    "lsoa_vintage",
    "lsoa_name",
    "la_code",
    "la_name",
    "imd_score",
    "imd_rank",
    "imd_decile",
    "population",
    "_file",
    "_line",
    "_fields",
    "_width",
]


def has_lsoa_code(cells: list[str]) -> bool:
    """LSOA code column (e.g. 'LSOA code (2011)' or 'lsoa_code')"""
    lowered = [c.lower() for c in cells]
    return any(c.startswith("lsoa code") or c in COLUMNS["lsoa_code"] for c in lowered)


def _lsoa_vintage(header: str) -> str:
    match = re.search(r"\((20\d\d)\)|lsoa(\d\d)", header, flags=re.IGNORECASE)
    if not match:
        return ""
    return match.group(1) or f"20{match.group(2)}"


def _read_one(path: Path) -> pd.DataFrame:
    table = read_csv_table(path, has_lsoa_code)
    code = find_column(table, *COLUMNS["lsoa_code"])
    out = pd.DataFrame({"lsoa_code": table.frame[code].str.strip()})
    out["lsoa_vintage"] = _lsoa_vintage(code)
    for name, candidates in COLUMNS.items():
        if name == "lsoa_code":
            continue
        column = find_column(table, *candidates, required=False)
        if column is not None:
            out[name] = table.frame[column].str.strip()
    with_line_columns(out, table)
    duplicated = out["lsoa_code"].duplicated()
    if duplicated.any():
        row = out[duplicated].iloc[0]
        raise SourceFileError(
            f"{path}: line {row['_line']}, column {code!r}: LSOA {row['lsoa_code']} appears twice; "
            "use the publisher's file unedited"
        )
    return out


ACCEPTED = (
    "File 7 alone (scores, ranks, deciles and population denominators); "
    "File 5 (scores), with File 1 (ranks, deciles) and/or File 6 (population denominators) if wanted; "
    "a scores file such as imd2019_lsoa11_scores.csv (lsoa_code, imd_score), with File 6 if wanted; "
    "or IoD2025's LSOA 2021 file (lsoa21_code, IMD_score, IMD_rank, IMD_decile)"
)


def read(paths: list[Path], source=None) -> pd.DataFrame:
    """Combine one or more IoD files on LSOA code into one row per LSOA (strings as delivered).

    The score's file supplies `_file`/`_line`. Every LSOA must appear in every file given. A score is
    required; population denominators are needed only where the source weights ward scores
    ([[ward_vintages]] population), which the build checks."""
    parts = [_read_one(p) for p in paths]
    if not any("imd_score" in p for p in parts):
        raise SourceFileError(
            f"{paths[0]}: no file of this source has an IMD score column; the source takes {ACCEPTED}"
        )
    parts.sort(key=lambda p: "imd_score" not in p)  # the scores file leads
    vintages = sorted({v for p in parts for v in p["lsoa_vintage"].unique() if v})
    if len(vintages) > 1:
        raise SourceFileError(f"{paths[0]}: the files mix LSOA vintages {vintages}; give files of one release")
    merged = parts[0].drop(columns="lsoa_vintage")
    for part in parts[1:]:
        missing = set(merged["lsoa_code"]).symmetric_difference(part["lsoa_code"])
        if missing:
            example = sorted(missing)[0]
            raise SourceFileError(
                f"{part['_file'].iloc[0] if len(part) else paths[0]}: LSOA sets differ between the files of this "
                "source "
                f"({len(missing)} codes, e.g. {example}); give files of the same release"
            )
        extra = [c for c in part.columns if c not in merged.columns and not c.startswith("_")]
        merged = merged.merge(part[["lsoa_code", *extra]], on="lsoa_code", how="left", validate="one_to_one")
    merged["lsoa_vintage"] = vintages[0] if vintages else None
    for column in OUTPUT:
        if column not in merged:
            merged[column] = pd.Series([None] * len(merged), dtype="str")
    return merged[OUTPUT]
