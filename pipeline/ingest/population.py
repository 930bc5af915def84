"""Small-area population estimates by LSOA (e.g. ONS mid-year estimates, SAPE), used to weight ward
deprivation scores where the deprivation files carry no population of their own.

Columns are recognised by ONS naming (`LSOA11CD`, `LSOA 2021 Code`) or the snake_case of common
redistributions (`lsoa11_code`, `lsoa21_code`), with the total in `total_population`, `All Ages`,
`population` or similar. The LSOA vintage is read from the code column's header and kept as data.
Values stay strings as delivered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from pipeline.ingest.csv_file import SourceFileError, find_column, iter_csv_table, with_line_columns

RAW_TABLE = "lsoa_population"
TITLE = "Population by LSOA"

CODE = r"(?:lsoa\s*(\d\d(?:\d\d)?)\s*(?:cd|_?code)|lsoa code.*)"
POPULATION = ("total_population", "population", "all ages", "all_ages", "total", "total population*")
OUTPUT = ["lsoa_code", "lsoa_vintage", "population", "_file", "_line", "_fields", "_width"]


def has_lsoa_code(cells: list[str]) -> bool:
    """LSOA code column (e.g. LSOA11CD or lsoa11_code)"""
    return any(re.fullmatch(CODE, c, re.IGNORECASE) for c in cells)


def read_chunks(paths: list[Path], source=None) -> Iterator[pd.DataFrame]:
    """The files' rows in chunks of bounded size."""
    for path in paths:
        for table in iter_csv_table(path, has_lsoa_code):
            code = next(h for h in table.header if re.fullmatch(CODE, h, re.IGNORECASE))
            total = find_column(table, *POPULATION, required=False)
            if total is None:
                raise SourceFileError(
                    f"{path}: line {table.header_line} (header) has no population column "
                    f"({', '.join(POPULATION[:3])}); give the file of total population by LSOA"
                )
            year = (re.search(r"(\d\d(?:\d\d)?)", code) or [None, ""])[1]
            out = pd.DataFrame({"lsoa_code": table.frame[code].str.strip()})
            out["lsoa_vintage"] = (year if len(year) == 4 else f"20{year}") if year else ""
            out["population"] = table.frame[total].str.strip()
            with_line_columns(out, table)
            yield out[OUTPUT]


def read(paths: list[Path], source=None) -> pd.DataFrame:
    return pd.concat(list(read_chunks(paths, source)), ignore_index=True)
