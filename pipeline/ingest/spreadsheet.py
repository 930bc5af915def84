"""Read the first worksheet of an XLSX the way council staff lay them out: a title row or two above
the header, merged header cells, blank rows, footnotes. openpyxl reads the file (DuckDB's read_xlsx
needs a download). Every cell becomes a string as displayed in the sheet's raw value; the row number
is the sheet's own, so errors point at the row Excel shows."""

from __future__ import annotations

from pathlib import Path

from pipeline.ingest.csv_file import CsvTable, HeaderTest, SourceFileError, table_from_rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx_table(path: Path, required: HeaderTest = ()) -> CsvTable:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise SourceFileError(f"{path}: cannot be opened as an Excel workbook ({type(exc).__name__}); "
                              "save it again as .xlsx or export it as CSV") from exc
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
    return table_from_rows(path, "xlsx", [(n, cells) for n, cells in enumerate(rows, start=1)], required)
