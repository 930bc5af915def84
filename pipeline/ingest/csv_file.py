"""Read a published CSV exactly as delivered: every cell a string, with the physical line it came from.

The rules (encoding, preamble, footnotes, repeated headers, blank lines, ragged rows) are in `csv_rows`;
a file whose every record is one line is read by `csv_lines` with Arrow's string kernels, any other row
by row (`csv_rows.iter_table`), with the same result. This module is what readers use: streams of tables
(`iter_csv_table`), whole tables, ArcGIS JSON responses, and the helpers that tie rows to their file.
"""

from __future__ import annotations

import dataclasses
import io
import json
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from pipeline.ingest import csv_lines
from pipeline.ingest.csv_rows import (  # re-exported: readers and tests import them from here
    CHUNK_ROWS,
    CsvTable,
    HeaderTest,
    RowSorter,
    SourceFileError,
    _binary,
    _chunk_frame,
    _header,
    _records,
    decode,
    detect_encoding,
    is_header,
    iter_table,
)

__all__ = [
    "CHUNK_ROWS",
    "CsvTable",
    "HeaderTest",
    "RowSorter",
    "SourceFileError",
    "_binary",
    "_chunk_frame",
    "_header",
    "_records",
    "concat_tables",
    "decode",
    "detect_encoding",
    "find_column",
    "is_header",
    "iter_csv_table",
    "iter_table",
    "json_per_row",
    "read_csv_table",
    "read_table",
    "table_from_rows",
    "with_line_columns",
]


def concat_tables(tables: Iterable[CsvTable]) -> CsvTable:
    """One table of a file's chunks (the last chunk's `skipped` covers the whole file)."""
    tables = list(tables)
    frame = pd.concat([t.frame for t in tables], ignore_index=True) if len(tables) > 1 else tables[0].frame
    return dataclasses.replace(tables[-1], frame=frame)


def table_from_rows(
    path: Path, encoding: str, rows: list[tuple[int, list[str]]], required: HeaderTest = ()
) -> CsvTable:
    """Find the header among `rows` ((line, cells), blanks included) and build the table."""
    return concat_tables(iter_table(path, encoding, rows, required))


def iter_csv_table(path: Path, required: HeaderTest = (), chunk_rows: int = CHUNK_ROWS) -> Iterator[CsvTable]:
    """Read `path` as a stream of tables of at most `chunk_rows` rows (strings as delivered; `_line` holds
    the line each record starts on). A 200 MB file never sits in memory whole."""
    encoding = detect_encoding(path)
    records_are_lines = csv_lines.records_are_lines(path)
    with _binary(path) as stream, io.TextIOWrapper(stream, encoding=encoding, newline="") as text:
        try:
            if records_are_lines:  # the same rows, read with Arrow's string kernels (pipeline/ingest/csv_lines.py)
                yield from csv_lines.iter_lines_table(path, encoding, text, required, chunk_rows)
            else:
                yield from iter_table(path, encoding, _records(text), required, chunk_rows)
        except SourceFileError as exc:
            if str(exc).startswith(str(path)):
                raise
            raise SourceFileError(f"{path}: {exc}") from exc
        except (OSError, EOFError, zlib.error) as exc:
            raise SourceFileError(
                f"{path}: the gzip file is damaged ({exc}); land the complete download again"
            ) from exc


def read_table(path: Path, required: HeaderTest = ()) -> CsvTable:
    """Like read_csv_table, and also an ArcGIS query response (JSON `features`, each feature's
    `attributes`, or GeoJSON `properties`, a row; `_line` = the feature's position, 1 = the first)."""
    text, encoding = decode(path)
    if not text.lstrip().startswith("{"):
        return read_csv_table(path, required)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceFileError(
            f"{path}: line {exc.lineno}: not valid JSON ({exc.msg}); land the complete response again"
        ) from exc
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise SourceFileError(f"{path}: JSON without a 'features' list; land an ArcGIS query response (f=json)")
    records = [f.get("attributes", f.get("properties")) or {} for f in features if isinstance(f, dict)]
    header = [f["name"] for f in document.get("fields", []) if isinstance(f, dict) and "name" in f] or list(
        dict.fromkeys(k for r in records for k in r)
    )
    rows = [(0, header)] + [
        (n, ["" if r.get(h) is None else str(r.get(h)) for h in header]) for n, r in enumerate(records, start=1)
    ]
    return table_from_rows(path, "json", rows, required)


def read_csv_table(path: Path, required: HeaderTest = ()) -> CsvTable:
    """Read `path` into a DataFrame of strings; `_line` holds the line each record starts on."""
    return concat_tables(iter_csv_table(path, required))


def with_line_columns(out: pd.DataFrame, table: CsvTable) -> pd.DataFrame:
    """Add the columns that tie each row to its file: `_file`, `_line`, `_fields` (what the row had)
    and `_width` (what the header has)."""
    out["_file"] = table.path.name
    out["_line"] = table.frame["_line"]
    out["_fields"] = table.frame["_fields"]
    out["_width"] = len(table.header)
    return out


def json_per_row(frame: pd.DataFrame, columns: list[str]) -> list[str] | str:
    """Each row's cells of `columns` as one JSON object (keys sorted), kept beside the columns a format
    reads; "{}" when there are none. Built from plain dicts, not row by row through pandas."""
    if not columns:
        return "{}"
    return [json.dumps(row, ensure_ascii=False, sort_keys=True) for row in frame[columns].to_dict("records")]


def find_column(table: CsvTable, *candidates: str, required: bool = True) -> str | None:
    """Return the first header matching one of the candidates (case-insensitive; a candidate ending in
    '*' matches as a prefix)."""
    lowered = {name.lower(): name for name in table.header}
    for candidate in candidates:
        c = candidate.lower()
        for low, original in lowered.items():
            if (c.endswith("*") and low.startswith(c[:-1])) or low == c:
                return original
    if required:
        raise SourceFileError(
            f"{table.path}: line {table.header_line} (header) has no column {candidates[0].rstrip('*')!r}; "
            "check that this is the publisher's file for this source"
        )
    return None
