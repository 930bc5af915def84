"""Read a published CSV exactly as delivered: every cell a string, with the physical line it came from.

Publishers ship UTF-8 with and without a byte-order mark, and older council systems cp1252; the
reader tries those in that order and records which one worked. Blank lines are skipped (their line
numbers are not reused), so an error can always name the line an analyst sees in a text editor.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
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
    frame: pd.DataFrame  # original column names, all str, plus `_line` (1-based physical line)


def decode(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise SourceFileError(f"{path}: cannot be decoded as UTF-8 or Windows-1252; save it as UTF-8 CSV and land it again")


def read_csv_table(path: Path) -> CsvTable:
    """Read `path` into a DataFrame of strings; `_line` holds the line each record starts on."""
    text, encoding = decode(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    previous_end = 0
    for record in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [cell.strip() for cell in record]
            continue
        if len(record) != len(header):
            raise SourceFileError(
                f"{path}: line {start} has {len(record)} fields but the header has {len(header)}; "
                "check for an unquoted comma or a truncated line"
            )
        rows.append(record)
        lines.append(start)
    if header is None:
        raise SourceFileError(f"{path}: the file is empty; land the complete download again")
    frame = pd.DataFrame(rows, columns=header, dtype="str") if rows else pd.DataFrame(columns=header, dtype="str")
    frame["_line"] = pd.Series(lines, dtype="int64")
    return CsvTable(path=path, encoding=encoding, header=header, frame=frame)


def find_column(table: CsvTable, *candidates: str, required: bool = True) -> str | None:
    """Return the first header matching one of the candidates (case-insensitive; a candidate ending in
    '*' matches as a prefix, one starting with '*' as a substring)."""
    lowered = {name.lower(): name for name in table.header}
    for candidate in candidates:
        c = candidate.lower()
        for low, original in lowered.items():
            if (c.startswith("*") and c.endswith("*") and c.strip("*") in low) or \
               (c.endswith("*") and not c.startswith("*") and low.startswith(c[:-1])) or low == c:
                return original
    if required:
        raise SourceFileError(
            f"{table.path}: line 1 (header) has no column {candidates[0]!r}; "
            "check that this is the publisher's file for this source"
        )
    return None
