"""How the exports write a value and a file (used by `exports.py` and by page one's tables,
`at_a_glance.write_at_a_glance`): a value as a CSV or an Excel cell (`csv_cell`, `xlsx_cell`: formula-like
text neutralised by `neutralise_formula`), the number format of each column (`number_formats`), the
CSV, Parquet and write-only sheet writers, and the workbook saved with fixed times (`save_workbook`),
so that the same warehouse gives the same bytes in every file.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from pipeline.report import style

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # first characters a spreadsheet may read as a formula
PARQUET_PROVENANCE_KEY = b"fsot.provenance"
# Number formats in the workbook: values by their row's unit (style.DECIMALS, the report's rounding
# rule); counts as whole numbers; ratios 2 decimals; statistics of tests left as Excel's General.
COUNT_COLUMNS = ("count", "denominator", "population", "borough_population", "population_in_most_deprived_decile")
GENERAL_COLUMNS = (
    "chi_squared",
    "slope_per_period",
    "probability_on_track",
    "trajectory_fraction",
    "score_population_share",
    "local_population_midpoint",
    "imd_score",
    "change_scale",
)
RATIO_MEASURES = ("relative_gap", "rii")
COLUMN_WIDTH = (8, 50)  # narrowest and widest data column, in characters
FIXED_TIME = datetime(1980, 1, 1)  # the workbook's created/modified and zip entry times: same input, same bytes

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def neutralise_formula(text: str) -> str:
    """Prefix `'` to text that a spreadsheet could run as a formula; return other text unchanged.

    Text whose first character is `=`, `+`, `-`, `@`, a tab or a carriage return is what OWASP's
    guidance on CSV injection (https://owasp.org/www-community/attacks/CSV_Injection) lists as
    able to start a formula in Excel, LibreOffice or Google Sheets; a leading single quote makes it
    plain text. Apply it to text cells only: a number such as -3.2 is a number, not text, and stays
    as it is.
    """
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_cell(value) -> str:
    """A value as CSV text: empty when missing, ISO dates, TRUE/FALSE, numbers as the shortest
    text that reads back to the same number; text (and anything shown as text) neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return neutralise_formula(value if isinstance(value, str) else str(value))


def xlsx_cell(value):
    """A value as an Excel cell value: numbers, booleans and dates keep their type; missing and
    non-finite numbers (which Excel cannot hold) are empty; text (and anything shown as text) is
    neutralised."""
    if value is None or isinstance(value, (bool, int, Decimal)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, (date, time)):
        return value
    return neutralise_formula(value if isinstance(value, str) else str(value))


def width(header: str, longest: int | None, widest: int = COLUMN_WIDTH[1]) -> int:
    """Column width (characters) showing the header and a value of `longest` characters, within limits."""
    return min(widest, max(COLUMN_WIDTH[0], len(header), longest or 0) + 2)


def styled(sheet, value, font: Font | None = BOLD, alignment: Alignment | None = None) -> Cell:
    """A cell for a write-only sheet with a font (bold by default) and an alignment."""
    cell = WriteOnlyCell(sheet, value=xlsx_cell(value))
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def start_sheet(workbook: Workbook, title: str, header: Sequence[str], widths: Sequence[int]):
    """A write-only sheet with its column widths, a bold header row (written) and the header frozen."""
    sheet = workbook.create_sheet(title)
    for index, column_width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column_width
    sheet.freeze_panes = "A2"
    sheet.append([styled(sheet, name) for name in header])
    return sheet


def number_formats(header: Sequence[str]):
    """A function giving, for one row, the Excel number format of each column (None = General): a
    value by its row's unit (style.excel_format: the report's rounding rule per unit), a ratio
    measure (relative gap, RII) with 2 decimals, counts and populations as whole numbers."""
    unit_at = header.index("unit") if "unit" in header else None
    measure_at = header.index("measure") if "measure" in header else None
    kinds = []
    for name in header:
        if name in COUNT_COLUMNS or name.endswith("_wards") or name in ("wards", "points"):
            kinds.append("count")
        elif name in GENERAL_COLUMNS or name.endswith(("_rank", "_year", "_sort")):
            kinds.append(None)
        else:
            kinds.append("unit")

    def formats(row: Sequence) -> list[str | None]:
        unit = row[unit_at] if unit_at is not None else None
        ratio = measure_at is not None and row[measure_at] in RATIO_MEASURES
        out = []
        for kind, value in zip(kinds, row):
            if not isinstance(value, (float, Decimal)) or kind is None:
                out.append(None)
            elif kind == "count":
                out.append("#,##0")
            elif ratio:
                out.append(style.excel_format("ratio"))
            elif unit is not None:
                out.append(style.excel_format(unit))
            else:
                out.append(None)
        return out

    return formats


def sheet_row(sheet, row: Sequence, formats) -> list:
    """A row for a write-only sheet: its values as Excel cells, with the number format `formats` gives."""
    cells = []
    for value, number_format in zip(row, formats(row)):
        if number_format is None:
            cells.append(xlsx_cell(value))
        else:
            cell = WriteOnlyCell(sheet, value=xlsx_cell(value))
            cell.number_format = number_format
            cells.append(cell)
    return cells


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """RFC 4180 CSV (comma, CRLF, double quotes where needed) in UTF-8 with a byte-order mark."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([csv_cell(name) for name in header])
        writer.writerows([csv_cell(value) for value in row] for row in rows)


def write_parquet(reader, path: Path, provenance: dict | None = None) -> None:
    """An Arrow record batch reader (the warehouse's types and exact values) as Parquet, with the
    provenance (git revision, run id …) as key-value metadata `fsot.provenance` (JSON)."""
    schema = reader.schema
    if provenance:
        schema = schema.with_metadata(
            {**(schema.metadata or {}), PARQUET_PROVENANCE_KEY: json.dumps(provenance, sort_keys=True).encode()}
        )
    with pq.ParquetWriter(path, schema) as writer:
        for batch in reader:
            writer.write_batch(batch.replace_schema_metadata(schema.metadata))


class _SteadyZip(zipfile.ZipFile):
    """A zip archive whose entries all carry FIXED_TIME, so the same workbook gives the same bytes."""

    def _entry(self, name: str) -> zipfile.ZipInfo:
        entry = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
        entry.compress_type = self.compression
        entry.external_attr = 0o600 << 16  # what ZipFile.writestr gives a file
        return entry

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._entry(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        entry = self._entry(arcname or Path(filename).name)
        entry.file_size = Path(filename).stat().st_size
        with open(filename, "rb") as source, self.open(entry, "w") as target:
            shutil.copyfileobj(source, target, 1 << 20)


def save_workbook(workbook: Workbook, path: Path) -> None:
    """Save the workbook with fixed creation and entry times (same contents, same bytes)."""
    workbook.properties.creator = "fsot"
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    with _SteadyZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()  # as openpyxl's save_workbook, without stamping the time
