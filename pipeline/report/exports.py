"""Exports of the marts for Power BI and Excel: a CSV and a Parquet file per table, one workbook, and
the data dictionary of every exported field.

Reads only the tables of schema `marts` and `sql/data_dictionary.toml`; computes nothing. What a
spreadsheet user opens (CSV, XLSX) has formula-like text neutralised (`neutralise_formula`); the
Parquet files keep every value exactly as the warehouse holds it, with its type. The same warehouse
gives the same bytes in every file (the workbook's internal times are fixed), as for the rest of
reports/.
"""

from __future__ import annotations

import csv
import json
import math
import re
import shutil
import tomllib
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.writer.excel import ExcelWriter

from pipeline.config import SQL_DIR
from pipeline.report import style

SCHEMA = "marts"
WORKBOOK_NAME = "fsot_marts.xlsx"
README_SHEET = "README"
DICTIONARY_SHEET = "data_dictionary"
DICTIONARY_HEADER = ("table", "field", "type", "meaning", "source_model")

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # first characters a spreadsheet may read as a formula
EXCEL_MAX_ROWS = 1_048_576  # rows in one Excel sheet, header included
SHEET_NAME_LENGTH = 31  # Excel's limit on a sheet name
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
ABOUT_SHEET = "about"
PROVENANCE_FILE = "provenance.json"
PARQUET_PROVENANCE_KEY = b"fsot.provenance"
RESERVED_SHEET_NAMES = (README_SHEET, DICTIONARY_SHEET, ABOUT_SHEET, "History")  # Excel reserves "History"
# A table with a `period` (text, e.g. "2015 - 19") but no sort key gets these, from the periods the
# warehouse configured (intermediate.int_indicator_value__configured), so that a spreadsheet or
# Power BI sorts periods in time order rather than as text.
PERIOD_KEYS = (("period_sort", "BIGINT", "Sort key of the period (added by the export from "
                "intermediate.int_indicator_value__configured): periods in time order, so that they sort as "
                "time, not as text"),
               ("period_start", "DATE", "First day of the period (added by the export from "
                "intermediate.int_indicator_value__configured)"))
PERIOD_SOURCE = "intermediate.int_indicator_value__configured"
# Number formats in the workbook: values by their row's unit (style.DECIMALS, the report's rounding
# rule); counts as whole numbers; ratios 2 decimals; statistics of tests left as Excel's General.
COUNT_COLUMNS = ("count", "denominator", "population", "borough_population", "population_in_most_deprived_decile")
GENERAL_COLUMNS = ("chi_squared", "slope_per_period", "probability_on_track", "trajectory_fraction",
                   "score_population_share", "local_population_midpoint", "imd_score", "change_scale")
RATIO_MEASURES = ("relative_gap", "rii")
COLUMN_WIDTH = (8, 50)  # narrowest and widest data column, in characters
DICTIONARY_WIDTH = 80  # widest column of the data_dictionary sheet (meanings are sentences)
BATCH_ROWS = 10_000  # rows fetched from DuckDB at a time
FIXED_TIME = datetime(1980, 1, 1)  # the workbook's created/modified and zip entry times: same input, same bytes

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


class ExportError(ValueError):
    """The marts cannot be exported as they are, e.g. a field the data dictionary does not describe."""


def neutralise_formula(text: str) -> str:
    """Prefix `'` to text that a spreadsheet could run as a formula; return other text unchanged.

    Text whose first character is `=`, `+`, `-`, `@`, a tab or a carriage return is what OWASP's
    guidance on CSV injection (https://owasp.org/www-community/attacks/CSV_Injection) lists as
    able to start a formula in Excel, LibreOffice or Google Sheets; a leading single quote makes it
    plain text. Apply it to text cells only: a number such as -3.2 is a number, not text, and stays
    as it is.
    """
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv_cell(value) -> str:
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


def _xlsx_cell(value):
    """A value as an Excel cell value: numbers, booleans and dates keep their type; missing and
    non-finite numbers (which Excel cannot hold) are empty; text (and anything shown as text) is
    neutralised."""
    if value is None or isinstance(value, (bool, int, Decimal)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, (date, time)):
        return value
    return neutralise_formula(value if isinstance(value, str) else str(value))


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def mart_fields(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[tuple[str, str], ...]]:
    """Every table of schema marts (ordered by name) with its fields and DuckDB types in column order."""
    fields: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_catalog = current_database() order by table_name, ordinal_position",
        [SCHEMA],
    ).fetchall():
        fields.setdefault(table, []).append((column, data_type))
    return {table: tuple(columns) for table, columns in fields.items()}


def _period_keys_available(con: duckdb.DuckDBPyConnection) -> bool:
    schema, table = PERIOD_SOURCE.split(".")
    return bool(con.execute("select count(*) from information_schema.columns where table_schema = ? and "
                            "table_name = ? and column_name in ('period_sort', 'period_start', 'indicator_id', "
                            "'period') and table_catalog = current_database()", [schema, table]).fetchone()[0] == 4)


def added_period_keys(fields: dict[str, Sequence[tuple[str, str]]], available: bool) -> dict[str, tuple]:
    """The period keys the export adds to each table that has `period` and `indicator_id` but lacks them."""
    if not available:
        return {}
    added = {}
    for table, columns in fields.items():
        names = {c for c, _ in columns}
        if "period" in names and "indicator_id" in names:
            keys = tuple(k for k in PERIOD_KEYS if k[0] not in names)
            if keys:
                added[table] = keys
    return added


def _select(table: str, added: Sequence[tuple]) -> str:
    """The SELECT of a table's export: every column, then the period keys the export adds."""
    if not added:
        return f"select * from {SCHEMA}.{_quoted(table)}"
    keys = ", ".join(f"p.{name}" for name, _, _ in added)
    return (f"select t.*, {keys} from {SCHEMA}.{_quoted(table)} as t left join (select indicator_id, period, "
            f"min(period_sort) as period_sort, min(period_start) as period_start from {PERIOD_SOURCE} "
            "group by indicator_id, period) as p on p.indicator_id = t.indicator_id and p.period = t.period "
            "order by t.rowid")


def read_dictionary(dictionary_path: Path) -> dict:
    """The data dictionary TOML as a dict; ExportError naming the file when it is absent or not TOML."""
    try:
        return tomllib.loads(dictionary_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ExportError(f"{dictionary_path}: data dictionary not found; the exports describe every field "
                          "from it") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ExportError(f"{dictionary_path}: not valid TOML ({exc}); fix the line named and run again") from exc


def dictionary_rows(fields: dict[str, Sequence[tuple[str, str]]], dictionary: dict,
                    dictionary_path: Path) -> list[tuple[str, str, str, str, str]]:
    """One row (table, field, type, meaning, source_model) per exported field, in export order.

    Raises ExportError naming every table and column that the dictionary does not describe (or
    describes with an empty text), and every table without a `source`.
    """
    rows, problems = [], []
    for table, columns in fields.items():
        key = f"{SCHEMA}.{table}"
        entry = dictionary.get(key)
        if not isinstance(entry, dict):
            problems.append(f"table {key} is not described in {dictionary_path}; add [\"{key}\"] with description, "
                            f"grain and source, and [\"{key}\".columns] with every column")
            continue
        meanings = entry.get("columns", {})
        source = str(entry.get("source", "")).strip()
        if not source:
            problems.append(f"{key} has no source in {dictionary_path}; add source = \"sql/marts/{table}.sql\" "
                            "(the model that makes it)")
        undescribed = [column for column, _ in columns if not str(meanings.get(column, "")).strip()]
        if undescribed:
            problems.append(f"{key}: column{'s' if len(undescribed) > 1 else ''} {', '.join(undescribed)} "
                            f"not described in {dictionary_path}; describe "
                            f"{'each' if len(undescribed) > 1 else 'it'} under [\"{key}\".columns]")
            continue
        rows.extend((table, column, data_type, str(meanings[column]).strip(), source)
                    for column, data_type in columns)
    if problems:
        raise ExportError("; ".join(problems) + "; then run again")
    return rows


def sheet_names(tables: Sequence[str]) -> dict[str, str]:
    """The workbook sheet of each table: the table name, without its `fct_` prefix only when the
    name is longer than Excel's 31 characters, then cut to 31; unique ignoring case (Excel's rule),
    with ~2, ~3 … on a clash, and never README, data_dictionary or History."""
    taken = {name.lower() for name in RESERVED_SHEET_NAMES}
    names = {}
    for table in tables:
        name = SHEET_NAME_FORBIDDEN.sub("_", table)
        if len(name) > SHEET_NAME_LENGTH and name.startswith("fct_"):
            name = name.removeprefix("fct_")
        name = name[:SHEET_NAME_LENGTH].strip("'") or "table"
        candidate, n = name, 1
        while candidate.lower() in taken:
            n += 1
            suffix = f"~{n}"
            candidate = name[:SHEET_NAME_LENGTH - len(suffix)] + suffix
        taken.add(candidate.lower())
        names[table] = candidate
    return names


def _measure(con: duckdb.DuckDBPyConnection, table: str, fields: Sequence[tuple[str, str]],
             select: str | None = None) -> tuple[int, list[int]]:
    """Row count and, per column, the width (in characters) that shows its header and longest value."""
    longest = ", ".join(f"max(length(cast({_quoted(column)} as varchar)))" for column, _ in fields)
    source = f"({select})" if select else f"{SCHEMA}.{_quoted(table)}"
    count, *lengths = con.execute(f"select count(*), {longest} from {source}").fetchone()
    return count, [_width(column, length) for (column, _), length in zip(fields, lengths)]


def _width(header: str, longest: int | None, widest: int = COLUMN_WIDTH[1]) -> int:
    """Column width (characters) showing the header and a value of `longest` characters, within limits."""
    return min(widest, max(COLUMN_WIDTH[0], len(header), longest or 0) + 2)


def _styled(sheet, value, font: Font | None = BOLD, alignment: Alignment | None = None) -> Cell:
    """A cell for a write-only sheet with a font (bold by default) and an alignment."""
    cell = WriteOnlyCell(sheet, value=_xlsx_cell(value))
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _start_sheet(workbook: Workbook, title: str, header: Sequence[str], widths: Sequence[int]):
    """A write-only sheet with its column widths, a bold header row (written) and the header frozen."""
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_styled(sheet, name) for name in header])
    return sheet


def _rows(con: duckdb.DuckDBPyConnection, table: str, select: str | None = None) -> Iterable[tuple]:
    result = con.execute(select or f"select * from {SCHEMA}.{_quoted(table)}")
    while batch := result.fetchmany(BATCH_ROWS):
        yield from batch


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


def _sheet_row(sheet, row: Sequence, formats) -> list:
    cells = []
    for value, number_format in zip(row, formats(row)):
        if number_format is None:
            cells.append(_xlsx_cell(value))
        else:
            cell = WriteOnlyCell(sheet, value=_xlsx_cell(value))
            cell.number_format = number_format
            cells.append(cell)
    return cells


def _copied_to_sheet(rows: Iterable[Sequence], sheet, table: str, header: Sequence[str]) -> Iterable[Sequence]:
    """Yield the rows, appending each to the sheet on the way (one pass serves CSV and workbook);
    numbers carry their unit's number format (`number_formats`)."""
    formats = number_formats(header)
    for line, row in enumerate(rows, start=2):
        try:
            sheet.append(_sheet_row(sheet, row, formats))
        except IllegalCharacterError as exc:  # control characters other than tab and line breaks
            columns = [name for name, value in zip(header, row)
                       if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value)]
            raise ExportError(f"{SCHEMA}.{table}, row {line - 1}, column {', '.join(columns) or '?'}: text with a "
                              "control character that an Excel workbook cannot hold; remove it where the value "
                              "comes from and run again") from exc
        yield row


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """RFC 4180 CSV (comma, CRLF, double quotes where needed) in UTF-8 with a byte-order mark."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([_csv_cell(name) for name in header])
        writer.writerows([_csv_cell(value) for value in row] for row in rows)


def _write_parquet(con: duckdb.DuckDBPyConnection, table: str, path: Path, select: str | None = None,
                   provenance: dict | None = None) -> None:
    """The table as Parquet through Arrow, with the warehouse's types and exact values, and the
    provenance (git revision, run id …) as key-value metadata `fsot.provenance` (JSON)."""
    reader = con.sql(select or f"select * from {SCHEMA}.{_quoted(table)}").to_arrow_reader(BATCH_ROWS)
    schema = reader.schema
    if provenance:
        schema = schema.with_metadata({**(schema.metadata or {}),
                                       PARQUET_PROVENANCE_KEY: json.dumps(provenance, sort_keys=True).encode()})
    with pq.ParquetWriter(path, schema) as writer:
        for batch in reader:
            writer.write_batch(batch.replace_schema_metadata(schema.metadata))


def _write_readme(sheet, row_counts: dict[str, int], sheets: dict[str, str], dictionary: dict,
                  notes: Sequence[str]) -> None:
    sheet.column_dimensions["A"].width = 32
    for letter in "BCDEF":
        sheet.column_dimensions[letter].width = 40
    lines = [
        ("What this is", "Every table of the fsot warehouse's marts schema (the tidy tables the report is drawn "
                         "from), one sheet each, as the last build made them. The same tables are beside this "
                         "file as <table>.csv (UTF-8) and <table>.parquet, for Power BI or other tools."),
        ("Field meanings", f"Sheet {DICTIONARY_SHEET}: every field of every table with its type, its meaning and "
                           "the model that makes it (from sql/data_dictionary.toml; formulas and references are in "
                           "that model's comments)."),
        ("Missing values", "An empty cell is a missing value."),
        ("Provenance", f"Sheet {ABOUT_SHEET}: the fsot version, git revision and run id that made these files (also "
                       f"in {PROVENANCE_FILE} beside the CSV files and in each Parquet file's metadata)."),
        ("Periods", "period is text as published (e.g. 2015 - 19); sort by period_sort (or period_start), which "
                    "put periods in time order."),
        ("Number formats", "Numbers are shown rounded by their unit (% and years 1 decimal, rates per 100,000 none, "
                           "ratios 2); the cells hold the full values."),
        ("Text starting with = + - @", "Text that begins with =, +, -, @, a tab or a carriage return is shown with "
                                       "a ' in front, so that no spreadsheet can run it as a formula (OWASP guidance "
                                       "on CSV injection). Numbers are not changed. The .parquet files keep the "
                                       "exact text."),
        *(("Note", note) for note in notes),
    ]
    sheet.append([_styled(sheet, "fsot marts for Excel and Power BI")])
    for label, text in lines:
        sheet.append([_styled(sheet, label), _styled(sheet, text, font=None, alignment=WRAP)])
    sheet.append([])
    sheet.append([_styled(sheet, name) for name in ("sheet", "table", "rows", "description", "grain", "source_model")])
    for table, rows in row_counts.items():
        entry = dictionary.get(f"{SCHEMA}.{table}", {})
        sheet_name = sheets.get(table)
        description = str(entry.get("description", ""))
        if sheet_name is None:
            sheet_name = "(not in this workbook)"
            description = (f"{description} Not in this workbook: more rows than an Excel sheet holds "
                           f"({EXCEL_MAX_ROWS - 1:,}); use {table}.csv or {table}.parquet.").strip()
        sheet.append([_xlsx_cell(value) for value in
                      (sheet_name, table, rows, description, str(entry.get("grain", "")),
                       str(entry.get("source", "")))])


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


def _save(workbook: Workbook, path: Path) -> None:
    workbook.properties.creator = "fsot"
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    with _SteadyZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()  # as openpyxl's save_workbook, without stamping the time


def write_exports(con: duckdb.DuckDBPyConnection, out_dir: Path,
                  dictionary_path: Path = SQL_DIR / "data_dictionary.toml", *,
                  notes: Sequence[str] = (), provenance: dict | None = None) -> list[Path]:
    """Write every table of schema `marts` (from information_schema, ordered by name) to out_dir:

    - `<table>.csv`: tidy CSV, UTF-8 with a byte-order mark (so Excel shows non-ASCII names), RFC 4180
      quoting and CRLF line ends, header row, no index column; missing values (and non-finite
      numbers) as empty cells, booleans TRUE/FALSE, ISO 8601 dates (`YYYY-MM-DD`, times after a space);
    - `<table>.parquet`: the table with the warehouse's column types and exact values;
    - `data_dictionary.csv`: one row per exported field: table, field, type (DuckDB's), meaning and
      source_model (from the dictionary at dictionary_path);
    - `fsot_marts.xlsx`: a README sheet (what the workbook is, each table's sheet, rows, description and
      grain, and any `notes`, e.g. that the data are synthetic), a sheet per table (named by
      `sheet_names`) and the data_dictionary sheet; bold frozen header, column widths from the
      contents, numbers, booleans and dates as such, missing as empty. A table with more rows than an
      Excel sheet holds is left out of the workbook, and the README says so.

    In the CSV and XLSX files, text cells (never numbers, dates or booleans) pass through
    `neutralise_formula`; the Parquet files keep exact values, so use them where the text matters
    to the character. In CSV an empty text and a missing value look the same; in XLSX a carriage
    return inside text reads back as a line feed (XML); Parquet keeps both exactly.

    Checks the dictionary before writing anything: a mart column it does not describe raises
    ExportError naming the table and column (the CLI shows an ExportError, a ValueError, as a
    one-line error). Text with a control character a workbook cannot hold (other than tab and line
    breaks) also raises ExportError, naming table, row and column. Returns the written paths: per table its CSV then its
    Parquet, then data_dictionary.csv, then the workbook, then provenance.json.

    A table with `period` and `indicator_id` but no `period_sort`/`period_start` gets them as its last
    columns (`added_period_keys`, from the warehouse's configured periods) in every file, so that
    periods sort as time. Numbers in the workbook carry their unit's number format (`number_formats`).
    `provenance` (fsot version, git revision, run id, warehouse fingerprint, report period and date)
    is in every export: the workbook's `about` sheet, each Parquet file's key-value metadata
    `fsot.provenance`, and `provenance.json` beside the CSV files.
    """
    fields = mart_fields(con)
    dictionary = read_dictionary(dictionary_path)
    described = dictionary_rows(fields, dictionary, dictionary_path)
    added = added_period_keys(fields, _period_keys_available(con))
    described = [row for table in fields for row in
                 [r for r in described if r[0] == table]
                 + [(table, name, data_type, meaning, PERIOD_SOURCE) for name, data_type, meaning in added.get(table, ())]]
    fields = {table: (*columns, *((name, data_type) for name, data_type, _ in added.get(table, ())))
              for table, columns in fields.items()}
    provenance = dict(provenance or {})
    out_dir.mkdir(parents=True, exist_ok=True)

    workbook = Workbook(write_only=True)
    readme = workbook.create_sheet(README_SHEET)
    candidate_sheets = sheet_names(list(fields))
    sheets: dict[str, str] = {}
    row_counts: dict[str, int] = {}
    written: list[Path] = []
    for table, columns in fields.items():
        header = [column for column, _ in columns]
        select = _select(table, added.get(table, ()))
        row_counts[table], widths = _measure(con, table, columns, select)
        sheet = None
        if row_counts[table] < EXCEL_MAX_ROWS:
            sheets[table] = candidate_sheets[table]
            sheet = _start_sheet(workbook, sheets[table], header, widths)

        rows = _rows(con, table, select)
        csv_path = out_dir / f"{table}.csv"
        _write_csv(csv_path, header, rows if sheet is None else _copied_to_sheet(rows, sheet, table, header))
        parquet_path = out_dir / f"{table}.parquet"
        _write_parquet(con, table, parquet_path, select, provenance)
        written += [csv_path, parquet_path]

    dictionary_path_out = out_dir / f"{DICTIONARY_SHEET}.csv"
    _write_csv(dictionary_path_out, DICTIONARY_HEADER, described)
    sheet = _start_sheet(workbook, DICTIONARY_SHEET, DICTIONARY_HEADER,
                         [_width(name, max((len(row[i]) for row in described), default=0), DICTIONARY_WIDTH)
                          for i, name in enumerate(DICTIONARY_HEADER)])
    for row in described:
        sheet.append([_xlsx_cell(value) for value in row])
    _write_readme(readme, row_counts, sheets, dictionary, notes)
    about = _start_sheet(workbook, ABOUT_SHEET, ("field", "value"), (24, 80))
    for key, value in provenance.items():
        about.append([_xlsx_cell(key), _xlsx_cell(value)])

    workbook_path = out_dir / WORKBOOK_NAME
    _save(workbook, workbook_path)
    provenance_path = out_dir / PROVENANCE_FILE
    provenance_path.write_text(json.dumps({**provenance, "files": "every CSV, Parquet and XLSX file in this folder"},
                                          indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return written + [dictionary_path_out, workbook_path, provenance_path]
