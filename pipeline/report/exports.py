"""Exports of the marts for Power BI and Excel: a CSV and a Parquet file per table, one workbook, and
the data dictionary of every exported field.

Reads only the tables of schema `marts` (through `queries.py`: `mart_fields`, `export_select`, …) and
`sql/data_dictionary.toml`; computes nothing. A mart whose dictionary entry says `export = false` (the
report's own dimensions: landed files, source releases, boundary files, periods, group means, England's
range) is not exported. What a spreadsheet user opens (CSV, XLSX) has formula-like text neutralised
(`neutralise_formula`); the Parquet files keep every value exactly as the warehouse holds it, with its
type. The same warehouse gives the same bytes in every file (the workbook's internal times are fixed),
as for the rest of reports/. How a value becomes a cell and a file is in `export_files.py`.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import IllegalCharacterError

from pipeline.config import SQL_DIR
from pipeline.report.export_files import (
    WRAP,
    neutralise_formula,
    number_formats,
    save_workbook,
    sheet_row,
    start_sheet,
    styled,
    width,
    write_csv,
    write_parquet,
    xlsx_cell,
)
from pipeline.report.queries import (
    SCHEMA,
    export_batches,
    export_rows,
    export_select,
    mart_fields,
    measure_export,
    period_keys_available,
)

__all__ = [
    "ExportError",
    "added_period_keys",
    "dictionary_rows",
    "exported_fields",
    "mart_fields",
    "neutralise_formula",
    "read_dictionary",
    "sheet_names",
    "write_exports",
]

WORKBOOK_NAME = "fsot_marts.xlsx"
README_SHEET = "README"
DICTIONARY_SHEET = "data_dictionary"
DICTIONARY_HEADER = ("table", "field", "type", "meaning", "source_model")

EXCEL_MAX_ROWS = 1_048_576  # rows in one Excel sheet, header included
SHEET_NAME_LENGTH = 31  # Excel's limit on a sheet name
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
ABOUT_SHEET = "about"
PROVENANCE_FILE = "provenance.json"
RESERVED_SHEET_NAMES = (README_SHEET, DICTIONARY_SHEET, ABOUT_SHEET, "History")  # Excel reserves "History"
# A table with a `period` (text, e.g. "2015 - 19") but no sort key gets these, from the periods the
# warehouse configured, so that a spreadsheet or Power BI sorts periods in time order rather than as
# text. The export reads them from marts.dim_indicator_period (`queries.export_select`), which passes
# on intermediate.int_indicator_value__configured's keys unchanged: the dictionary names that model,
# the one that makes them (PERIOD_SOURCE).
PERIOD_KEYS = (
    (
        "period_sort",
        "BIGINT",
        "Sort key of the period (added by the export from "
        "intermediate.int_indicator_value__configured): periods in time order, so that they sort as "
        "time, not as text",
    ),
    (
        "period_start",
        "DATE",
        "First day of the period (added by the export from intermediate.int_indicator_value__configured)",
    ),
)
PERIOD_SOURCE = "intermediate.int_indicator_value__configured"
DICTIONARY_WIDTH = 80  # widest column of the data_dictionary sheet (meanings are sentences)


class ExportError(ValueError):
    """The marts cannot be exported as they are, e.g. a field the data dictionary does not describe."""


def exported_fields(con: duckdb.DuckDBPyConnection, dictionary: dict) -> dict[str, tuple[tuple[str, str], ...]]:
    """The marts the exports write, with their fields (`queries.mart_fields`): every table of schema marts
    but those whose entry in the data dictionary says `export = false` (internal to the report)."""
    return {
        table: columns
        for table, columns in mart_fields(con).items()
        if not (isinstance(entry := dictionary.get(f"{SCHEMA}.{table}"), dict) and entry.get("export") is False)
    }


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


def read_dictionary(dictionary_path: Path) -> dict:
    """The data dictionary TOML as a dict; ExportError naming the file when it is absent or not TOML."""
    try:
        return tomllib.loads(dictionary_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ExportError(
            f"{dictionary_path}: data dictionary not found; the exports describe every field from it"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ExportError(f"{dictionary_path}: not valid TOML ({exc}); fix the line named and run again") from exc


def dictionary_rows(
    fields: dict[str, Sequence[tuple[str, str]]], dictionary: dict, dictionary_path: Path
) -> list[tuple[str, str, str, str, str]]:
    """One row (table, field, type, meaning, source_model) per exported field, in export order.

    Raises ExportError naming every table and column that the dictionary does not describe (or
    describes with an empty text), and every table without a `source`.
    """
    rows, problems = [], []
    for table, columns in fields.items():
        key = f"{SCHEMA}.{table}"
        entry = dictionary.get(key)
        if not isinstance(entry, dict):
            problems.append(
                f'table {key} is not described in {dictionary_path}; add ["{key}"] with description, '
                f'grain and source, and ["{key}".columns] with every column'
            )
            continue
        meanings = entry.get("columns", {})
        source = str(entry.get("source", "")).strip()
        if not source:
            problems.append(
                f'{key} has no source in {dictionary_path}; add source = "sql/marts/{table}.sql" '
                "(the model that makes it)"
            )
        undescribed = [column for column, _ in columns if not str(meanings.get(column, "")).strip()]
        if undescribed:
            problems.append(
                f"{key}: column{'s' if len(undescribed) > 1 else ''} {', '.join(undescribed)} "
                f"not described in {dictionary_path}; describe "
                f'{"each" if len(undescribed) > 1 else "it"} under ["{key}".columns]'
            )
            continue
        rows.extend((table, column, data_type, str(meanings[column]).strip(), source) for column, data_type in columns)
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
            candidate = name[: SHEET_NAME_LENGTH - len(suffix)] + suffix
        taken.add(candidate.lower())
        names[table] = candidate
    return names


def _copied_to_sheet(rows: Iterable[Sequence], sheet, table: str, header: Sequence[str]) -> Iterable[Sequence]:
    """Yield the rows, appending each to the sheet on the way (one pass serves CSV and workbook);
    numbers carry their unit's number format (`number_formats`)."""
    formats = number_formats(header)
    for line, row in enumerate(rows, start=2):
        try:
            sheet.append(sheet_row(sheet, row, formats))
        except IllegalCharacterError as exc:  # control characters other than tab and line breaks
            columns = [
                name
                for name, value in zip(header, row)
                if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value)
            ]
            raise ExportError(
                f"{SCHEMA}.{table}, row {line - 1}, column {', '.join(columns) or '?'}: text with a "
                "control character that an Excel workbook cannot hold; remove it where the value "
                "comes from and run again"
            ) from exc
        yield row


def _write_readme(
    sheet, row_counts: dict[str, int], sheets: dict[str, str], dictionary: dict, notes: Sequence[str]
) -> None:
    sheet.column_dimensions["A"].width = 32
    for letter in "BCDEF":
        sheet.column_dimensions[letter].width = 40
    lines = [
        (
            "What this is",
            "Every table of the fsot warehouse's marts schema (the tidy tables the report is drawn "
            "from), one sheet each, as the last build made them. The same tables are beside this "
            "file as <table>.csv (UTF-8) and <table>.parquet, for Power BI or other tools.",
        ),
        (
            "Field meanings",
            f"Sheet {DICTIONARY_SHEET}: every field of every table with its type, its meaning and "
            "the model that makes it (from sql/data_dictionary.toml; formulas and references are in "
            "that model's comments).",
        ),
        ("Missing values", "An empty cell is a missing value."),
        (
            "Provenance",
            f"Sheet {ABOUT_SHEET}: the fsot version, git revision and run id that made these files (also "
            f"in {PROVENANCE_FILE} beside the CSV files and in each Parquet file's metadata).",
        ),
        (
            "Periods",
            "period is text as published (e.g. 2015 - 19); sort by period_sort (or period_start), which "
            "put periods in time order.",
        ),
        (
            "Number formats",
            "Numbers are shown rounded by their unit (% and years 1 decimal, rates per 100,000 none, "
            "ratios 2); the cells hold the full values.",
        ),
        (
            "Text starting with = + - @",
            "Text that begins with =, +, -, @, a tab or a carriage return is shown with "
            "a ' in front, so that no spreadsheet can run it as a formula (OWASP guidance "
            "on CSV injection). Numbers are not changed. The .parquet files keep the "
            "exact text.",
        ),
        *(("Note", note) for note in notes),
    ]
    sheet.append([styled(sheet, "fsot marts for Excel and Power BI")])
    for label, text in lines:
        sheet.append([styled(sheet, label), styled(sheet, text, font=None, alignment=WRAP)])
    sheet.append([])
    sheet.append([styled(sheet, name) for name in ("sheet", "table", "rows", "description", "grain", "source_model")])
    for table, rows in row_counts.items():
        entry = dictionary.get(f"{SCHEMA}.{table}", {})
        sheet_name = sheets.get(table)
        description = str(entry.get("description", ""))
        if sheet_name is None:
            sheet_name = "(not in this workbook)"
            description = (
                f"{description} Not in this workbook: more rows than an Excel sheet holds "
                f"({EXCEL_MAX_ROWS - 1:,}); use {table}.csv or {table}.parquet."
            ).strip()
        sheet.append(
            [
                xlsx_cell(value)
                for value in (
                    sheet_name,
                    table,
                    rows,
                    description,
                    str(entry.get("grain", "")),
                    str(entry.get("source", "")),
                )
            ]
        )


def write_exports(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    dictionary_path: Path = SQL_DIR / "data_dictionary.toml",
    *,
    notes: Sequence[str] = (),
    provenance: dict | None = None,
) -> list[Path]:
    """Write every table of schema `marts` (from information_schema, ordered by name) that the data
    dictionary does not mark `export = false` (`exported_fields`) to out_dir:

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
    dictionary = read_dictionary(dictionary_path)
    fields = exported_fields(con, dictionary)
    described = dictionary_rows(fields, dictionary, dictionary_path)
    added = added_period_keys(fields, period_keys_available(con))
    described = [
        row
        for table in fields
        for row in [r for r in described if r[0] == table]
        + [(table, name, data_type, meaning, PERIOD_SOURCE) for name, data_type, meaning in added.get(table, ())]
    ]
    fields = {
        table: (*columns, *((name, data_type) for name, data_type, _ in added.get(table, ())))
        for table, columns in fields.items()
    }
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
        select = export_select(table, [name for name, _, _ in added.get(table, ())])
        row_counts[table], longest = measure_export(con, header, select)
        widths = [width(column, length) for column, length in zip(header, longest)]
        sheet = None
        if row_counts[table] < EXCEL_MAX_ROWS:
            sheets[table] = candidate_sheets[table]
            sheet = start_sheet(workbook, sheets[table], header, widths)

        rows = export_rows(con, select)
        csv_path = out_dir / f"{table}.csv"
        write_csv(csv_path, header, rows if sheet is None else _copied_to_sheet(rows, sheet, table, header))
        parquet_path = out_dir / f"{table}.parquet"
        write_parquet(export_batches(con, select), parquet_path, provenance)
        written += [csv_path, parquet_path]

    dictionary_path_out = out_dir / f"{DICTIONARY_SHEET}.csv"
    write_csv(dictionary_path_out, DICTIONARY_HEADER, described)
    sheet = start_sheet(
        workbook,
        DICTIONARY_SHEET,
        DICTIONARY_HEADER,
        [
            width(name, max((len(row[i]) for row in described), default=0), DICTIONARY_WIDTH)
            for i, name in enumerate(DICTIONARY_HEADER)
        ],
    )
    for row in described:
        sheet.append([xlsx_cell(value) for value in row])
    _write_readme(readme, row_counts, sheets, dictionary, notes)
    about = start_sheet(workbook, ABOUT_SHEET, ("field", "value"), (24, 80))
    for key, value in provenance.items():
        about.append([xlsx_cell(key), xlsx_cell(value)])

    workbook_path = out_dir / WORKBOOK_NAME
    save_workbook(workbook, workbook_path)
    provenance_path = out_dir / PROVENANCE_FILE
    provenance_path.write_text(
        json.dumps({**provenance, "files": "every CSV, Parquet and XLSX file in this folder"}, indent=2, sort_keys=True)
        + "\n",
        encoding="utf-8",
    )
    return written + [dictionary_path_out, workbook_path, provenance_path]
