"""Read the first worksheet of an XLSX the way council staff lay them out: a title row or two above
the header, merged header cells, blank rows, footnotes. openpyxl reads the file (DuckDB's read_xlsx
needs a download). Every cell becomes a string as displayed in the sheet's raw value; the row number
is the sheet's own, so errors point at the row Excel shows."""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipeline.ingest.csv_file import CsvTable, HeaderTest, SourceFileError, table_from_rows

# A council's sheet of ward values is kilobytes; a workbook that unpacks to more is refused before
# openpyxl reads it (a "zip bomb" would otherwise take minutes and gigabytes).
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_size(path: Path) -> None:
    """Refuse a workbook whose zip directory says it unpacks to too much, before parsing it."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceFileError(
            f"{path}: cannot be opened as an Excel workbook (an .xlsx is a zip archive: {exc}); "
            "save it again as .xlsx or export it as CSV"
        ) from exc
    unpacked = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if unpacked > MAX_UNCOMPRESSED_BYTES or unpacked / packed > MAX_RATIO:
        raise SourceFileError(
            f"{path}: the workbook unpacks to {unpacked / 1e6:,.0f} MB ({unpacked / packed:,.0f} "
            f"times its size), more than a sheet of ward values needs (limit "
            f"{MAX_UNCOMPRESSED_BYTES / 1e6:,.0f} MB); export the sheet as CSV and send that"
        )


def uncalculated_formulas(path: Path) -> dict[int, list[str]]:
    """Row number → cells (e.g. D4) that hold a formula with no saved result (a workbook written by a
    program, never opened and saved in Excel): openpyxl reads such a cell as empty."""
    from openpyxl import load_workbook

    formulas = load_workbook(path, read_only=True, data_only=False).worksheets[0]
    values = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    found: dict[int, list[str]] = {}
    for formula_row, value_row in zip(formulas.iter_rows(), values.iter_rows()):
        for formula, value in zip(formula_row, value_row):
            if isinstance(formula.value, str) and formula.value.startswith("=") and value.value is None:
                found.setdefault(formula.row, []).append(formula.coordinate)
    return found


def read_xlsx_table(path: Path, required: HeaderTest = ()) -> CsvTable:
    """The first sheet as a table of strings; `_uncalculated` in its frame names, per row, the cells
    holding a formula without a saved result (validation quarantines those rows)."""
    from openpyxl import load_workbook

    check_size(path)
    try:
        uncalculated = uncalculated_formulas(path)
        book = load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise SourceFileError(
            f"{path}: cannot be opened as an Excel workbook ({type(exc).__name__}); "
            "save it again as .xlsx or export it as CSV"
        ) from exc
    sheet = book.worksheets[0]
    rows = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    # a merged cell holds its value in the top-left cell only: give it to every cell of the range
    for merged in sheet.merged_cells.ranges:
        value = rows[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, merged.max_row):
            for c in range(merged.min_col - 1, merged.max_col):
                if r < len(rows) and c < len(rows[r]):
                    rows[r][c] = value
    book.close()
    table = table_from_rows(path, "xlsx", [(n, cells) for n, cells in enumerate(rows, start=1)], required)
    table.frame["_uncalculated"] = [" ".join(uncalculated.get(int(line), [])) for line in table.frame["_line"]]
    return table
