"""Read a published CSV exactly as delivered: every cell a string, with the physical line it came from.

What people really send is taken as it is:
- UTF-8 with or without a byte-order mark, else Windows-1252 (£, en dash); the encoding used is recorded;
- title/preamble rows above the header (ONS style): the header is the first row holding the columns the
  format requires; the lines above are reported as skipped, not read as data;
- footnotes below the data (rows with text in the first cell only): reported as skipped;
- the header repeated inside the file (files pasted together): reported as skipped;
- blank lines anywhere: skipped; their line numbers are never reused;
- a data row with too few or too many fields is kept, padded or cut to the header, with `_fields`
  recording what it had, so that validation quarantines it with its line number instead of losing it.
Values are never parsed here: thousands separators and suppression markers stay as delivered.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ENCODINGS = ("utf-8-sig", "cp1252")


class SourceFileError(ValueError):
    """A file cannot be read as its format; the message names file, line and column and what to do."""


@dataclass(frozen=True)
class CsvTable:
    path: Path
    encoding: str
    header: list[str]
    header_line: int
    frame: pd.DataFrame  # original column names, all str, plus `_line` and `_fields`
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why) of non-data lines


def decode(path: Path) -> tuple[str, str]:
    """The file's text and the encoding it was read with. A gzip-compressed file (as bundled
    public files are, to keep the project small) is read through gzip: the text is the published file."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise SourceFileError(f"{path}: the gzip file is damaged ({exc}); land the complete download again") from exc
    if not data.strip():
        raise SourceFileError(f"{path}: the file is empty; land the complete download again")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise SourceFileError(f"{path}: cannot be decoded as UTF-8 or Windows-1252; save it as UTF-8 CSV and land it again")


def _records(text: str):
    """(start line, cells) for every record, blank ones included."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous_end = 0
    try:
        for record in reader:
            yield previous_end + 1, record
            previous_end = reader.line_num
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise SourceFileError(f"line {previous_end + 1}: a field is longer than {csv.field_size_limit():,} "
                                  "characters, which no value of this format has; check that the file is the "
                                  "publisher's, and that line for a quote (\") that is never closed") from exc
        raise SourceFileError(f"line {previous_end + 1}: {exc}; check that line for a quote (\") that is never "
                              "closed") from exc


HeaderTest = Sequence[str] | Callable[[list[str]], bool]


def is_header(cells: list[str], required: HeaderTest) -> bool:
    """True when `cells` hold every required column name (or satisfy the format's own test)."""
    if callable(required):
        return required([str(c).strip() for c in cells])
    names = {str(c).strip().lower() for c in cells}
    return all(r.lower() in names for r in required)


def table_from_rows(path: Path, encoding: str, rows: list[tuple[int, list[str]]],
                    required: HeaderTest = ()) -> CsvTable:
    """Find the header among `rows` ((line, cells), blanks included) and build the table."""
    skipped: list[tuple[int, str]] = []
    nonblank = [(line, cells) for line, cells in rows if any(str(c).strip() for c in cells)]
    if not nonblank:
        raise SourceFileError(f"{path}: the file has no rows; land the complete download again")
    position = next((i for i, (_, cells) in enumerate(nonblank) if not required or is_header(cells, required)), None)
    if position is None:
        first_line, first = nonblank[0]
        if callable(required):
            wanted = getattr(required, "__doc__", None) or "the columns this format needs"
        else:
            missing = [r for r in required if r.lower() not in {str(c).strip().lower() for c in first}]
            wanted = "column(s) " + ", ".join(repr(m) for m in missing)
        raise SourceFileError(
            f"{path}: line {first_line} (header): no row has the {wanted}; "
            "check that this is the publisher's file for this source, unedited"
        )
    skipped += [(line, "preamble above the header") for line, _ in nonblank[:position]]
    header_line, header_cells = nonblank[position]
    header = [str(c).strip() for c in header_cells]
    while header and not header[-1]:
        header.pop()
    seen: dict[str, str] = {}
    for name in filter(None, header):
        if name.startswith("_"):
            raise SourceFileError(f"{path}: line {header_line} (header): column {name!r} starts with '_', which fsot "
                                  "keeps for its own columns (_line, _file, …); rename it")
        if name.lower() in seen:
            raise SourceFileError(f"{path}: line {header_line} (header): columns {seen[name.lower()]!r} and {name!r} "
                                  "have the same name (ignoring case), so which one is meant is ambiguous; rename or "
                                  "remove one")
        seen[name.lower()] = name
    body = nonblank[position + 1:]
    # footnotes: the trailing block of rows with text in the first cell only
    end = len(body)
    while end and not any(str(c).strip() for c in body[end - 1][1][1:]) and len(header) > 1:
        end -= 1
    skipped += [(line, "footnote below the data") for line, _ in body[end:]]
    data, lines, fields = [], [], []
    lowered = [h.lower() for h in header]
    for line, cells in body[:end]:
        cells = [str(c) for c in cells]
        if [c.strip().lower() for c in cells[: len(header)]] == lowered:
            skipped.append((line, "repeated header"))
            continue
        width = len(cells)
        while width > len(header) and not cells[width - 1].strip():
            width -= 1  # trailing empty cells (a stray comma) are not extra fields
        fields.append(width)
        data.append((cells + [""] * len(header))[: len(header)])
        lines.append(line)
    frame = pd.DataFrame(data, columns=header, dtype="str") if data else pd.DataFrame(columns=header, dtype="str")
    frame["_line"] = pd.Series(lines, dtype="int64")
    frame["_fields"] = pd.Series(fields, dtype="int64")
    return CsvTable(path=path, encoding=encoding, header=header, header_line=header_line, frame=frame,
                    skipped=sorted(skipped))


def read_table(path: Path, required: HeaderTest = ()) -> CsvTable:
    """Like read_csv_table, and also an ArcGIS query response (JSON `features`, each feature's
    `attributes`, or GeoJSON `properties`, a row; `_line` = the feature's position, 1 = the first)."""
    text, encoding = decode(path)
    if not text.lstrip().startswith("{"):
        return read_csv_table(path, required)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceFileError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg}); land the complete response "
                              "again") from exc
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise SourceFileError(f"{path}: JSON without a 'features' list; land an ArcGIS query response (f=json)")
    records = [f.get("attributes", f.get("properties")) or {} for f in features if isinstance(f, dict)]
    header = [f["name"] for f in document.get("fields", []) if isinstance(f, dict) and "name" in f] or \
        list(dict.fromkeys(k for r in records for k in r))
    rows = [(0, header)] + [(n, ["" if r.get(h) is None else str(r.get(h)) for h in header])
                            for n, r in enumerate(records, start=1)]
    return table_from_rows(path, "json", rows, required)


def read_csv_table(path: Path, required: HeaderTest = ()) -> CsvTable:
    """Read `path` into a DataFrame of strings; `_line` holds the line each record starts on."""
    text, encoding = decode(path)
    try:
        rows = list(_records(text))
    except SourceFileError as exc:
        raise SourceFileError(f"{path}: {exc}") from exc
    return table_from_rows(path, encoding, rows, required)


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
