"""The rules of reading a published CSV exactly as delivered, row by row: every cell a string, with the
physical line it came from. Both ways of reading a file share them: `csv_file.iter_csv_table` reads with
this module's `iter_table` over the csv module's records, or, for a file whose records are single lines,
with `csv_lines.iter_lines_table`, which applies the same `RowSorter` to every line it cannot read as plain.

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

import codecs
import csv
import gzip
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.ingest.errors import SourceFileError  # re-exported


@dataclass(frozen=True)
class CsvTable:
    path: Path
    encoding: str
    header: list[str]
    header_line: int
    frame: pd.DataFrame  # original column names, all str, plus `_line` and `_fields`
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why) of non-data lines


# rows per chunk when a file is read in chunks (iter_csv_table): memory stays bounded whatever the file's size
CHUNK_ROWS = 200_000
_BLOCK = 1 << 24


def _binary(path: Path):
    """The file's bytes as a stream; a gzip-compressed file (as bundled public files are, to keep the
    project small) is read through gzip: the text is the published file."""
    with path.open("rb") as handle:
        compressed = handle.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if compressed else path.open("rb")


def detect_encoding(path: Path) -> str:
    """The encoding to read `path` with, found by one streaming pass (no whole-file copy in memory):
    UTF-8 (with or without BOM) if every byte decodes, else Windows-1252."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, content = True, False
    try:
        with _binary(path) as stream:
            for block in iter(lambda: stream.read(_BLOCK), b""):
                content = content or bool(block.strip())
                if utf8:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError:
                        utf8 = False
            if utf8:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    utf8 = False
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceFileError(f"{path}: the gzip file is damaged ({exc}); land the complete download again") from exc
    if not content:
        raise SourceFileError(f"{path}: the file is empty; land the complete download again")
    if utf8:
        return "utf-8-sig"
    try:
        with _binary(path) as stream:
            for block in iter(lambda: stream.read(_BLOCK), b""):
                block.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise SourceFileError(
            f"{path}: cannot be decoded as UTF-8 or Windows-1252; save it as UTF-8 CSV and land it again"
        ) from exc
    return "cp1252"


def decode(path: Path) -> tuple[str, str]:
    """The file's whole text and the encoding it was read with (for small files, e.g. JSON responses)."""
    encoding = detect_encoding(path)
    with _binary(path) as stream:
        return stream.read().decode(encoding), encoding


def _records(lines, first_line: int = 1):
    """(start line, cells) for every record of a text stream, blank ones included; the stream's first
    line is line `first_line` of the file."""
    reader = csv.reader(lines, strict=True)
    previous_end = first_line - 1
    try:
        for record in reader:
            yield previous_end + 1, record
            previous_end = first_line - 1 + reader.line_num
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise SourceFileError(
                f"line {previous_end + 1}: a field is longer than {csv.field_size_limit():,} "
                "characters, which no value of this format has; check that the file is the "
                "publisher's, and that line for a quote (\") that is never closed"
            ) from exc
        raise SourceFileError(
            f'line {previous_end + 1}: {exc}; check that line for a quote (") that is never closed'
        ) from exc


HeaderTest = Sequence[str] | Callable[[list[str]], bool]


def is_header(cells: list[str], required: HeaderTest) -> bool:
    """True when `cells` hold every required column name (or satisfy the format's own test)."""
    if callable(required):
        return required([str(c).strip() for c in cells])
    names = {str(c).strip().lower() for c in cells}
    return all(r.lower() in names for r in required)


def _header(
    path: Path, rows: Iterator[tuple[int, list]], required: HeaderTest, skipped: list[tuple[int, str]]
) -> tuple[int, list[str]]:
    """Read `rows` up to the header (the first row holding the required columns); lines above it are
    recorded in `skipped` as preamble. Returns (header line, header names)."""
    first = None
    for line, cells in rows:
        if not any(str(c).strip() for c in cells):
            continue
        first = first or (line, cells)
        if not required or is_header(cells, required):
            header_line, header_cells = line, cells
            break
        skipped.append((line, "preamble above the header"))
    else:
        if first is None:
            raise SourceFileError(f"{path}: the file has no rows; land the complete download again")
        first_line, first_cells = first
        if callable(required):
            wanted = getattr(required, "__doc__", None) or "the columns this format needs"
        else:
            missing = [r for r in required if r.lower() not in {str(c).strip().lower() for c in first_cells}]
            wanted = "column(s) " + ", ".join(repr(m) for m in missing)
        raise SourceFileError(
            f"{path}: line {first_line} (header): no row has the {wanted}; "
            "check that this is the publisher's file for this source, unedited"
        )
    header = [str(c).strip() for c in header_cells]
    while header and not header[-1]:
        header.pop()
    seen: dict[str, str] = {}
    for name in filter(None, header):
        if name.startswith("_"):
            raise SourceFileError(
                f"{path}: line {header_line} (header): column {name!r} starts with '_', which fsot "
                "keeps for its own columns (_line, _file, …); rename it"
            )
        if name.lower() in seen:
            raise SourceFileError(
                f"{path}: line {header_line} (header): columns {seen[name.lower()]!r} and {name!r} "
                "have the same name (ignoring case), so which one is meant is ambiguous; rename or "
                "remove one"
            )
        seen[name.lower()] = name
    return header_line, header


def _chunk_frame(header: list[str], data: list[list[str]], lines: list[int], fields: list[int]) -> pd.DataFrame:
    """One chunk's rows as a DataFrame of strings (Arrow-backed: compact), plus `_line` and `_fields`.
    The rows (all of the header's width) are transposed by numpy and each column handed to Arrow whole."""
    cells = np.empty((len(data), len(header)), dtype=object)
    if data:
        cells[:] = data
    table = pa.table({str(n): pa.array(cells[:, n], type=pa.string()) for n in range(len(header))})
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype(na_value=np.nan)}.get)
    frame.columns = header
    frame["_line"] = np.asarray(lines, dtype="int64")
    frame["_fields"] = np.asarray(fields, dtype="int64")
    return frame


class RowSorter:
    """The rules for the rows below the header, applied one row at a time in file order: blank rows are
    skipped; a repeated header is skipped; a row with text in the first cell only is held, and becomes
    data if a data row follows or a footnote if none does; a row of the wrong width is padded or cut to
    the header with `fields` recording what it had. Data rows collect in `data`, `lines`, `fields`."""

    def __init__(self, header: list[str]):
        self.lowered = [h.lower() for h in header]
        self.size = len(header)
        self.data: list[list[str]] = []
        self.lines: list[int] = []
        self.fields: list[int] = []
        self.pending: list[tuple[int, list]] = []  # text in the first cell only: footnotes if nothing follows
        self.skipped: list[tuple[int, str]] = []

    def take(self, line: int, cells: list[str]) -> None:
        if not "".join(cells).strip():
            return
        if self.size > 1 and not "".join(cells[1:]).strip():
            self.pending.append((line, cells))
            return
        self.release_pending()
        self._add(line, cells)

    def release_pending(self) -> None:
        """Held first-cell-only rows become data: a data row follows them."""
        for held in self.pending:
            self._add(*held)
        self.pending.clear()

    def finish(self) -> None:
        """At the end of the file, held rows are footnotes."""
        self.skipped.extend((line, "footnote below the data") for line, _ in self.pending)
        self.pending.clear()

    def _add(self, line: int, cells: list[str]) -> None:
        # a row of one file is tested cell by cell only when its first cell reads as the header's
        size = self.size
        if (
            cells
            and cells[0].strip().lower() == self.lowered[0]
            and [c.strip().lower() for c in cells[:size]] == self.lowered
        ):
            self.skipped.append((line, "repeated header"))
            return
        width = len(cells)
        if width != size:
            while width > size and not cells[width - 1].strip():
                width -= 1  # trailing empty cells (a stray comma) are not extra fields
            cells = (cells + [""] * size)[:size]
        self.fields.append(width)
        self.data.append(cells)
        self.lines.append(line)

    def take_data(self) -> tuple[list[list[str]], list[int], list[int]]:
        """The data rows collected so far (and forget them)."""
        out = self.data, self.lines, self.fields
        self.data, self.lines, self.fields = [], [], []
        return out


def iter_table(
    path: Path, encoding: str, rows: Iterable[tuple[int, list]], required: HeaderTest = (), chunk_rows: int = CHUNK_ROWS
) -> Iterator[CsvTable]:
    """Find the header among `rows` ((line, cells), blanks included) and yield the data below it as
    tables of at most `chunk_rows` rows (at least one table, perhaps empty). Rows are read as they come:
    memory holds one chunk. The last table's `skipped` lists every line skipped in the file."""
    rows = iter(rows)
    skipped: list[tuple[int, str]] = []
    header_line, header = _header(path, rows, required, skipped)
    sorter = RowSorter(header)
    sorter.skipped = skipped

    def table(frame: pd.DataFrame) -> CsvTable:
        return CsvTable(
            path=path, encoding=encoding, header=header, header_line=header_line, frame=frame, skipped=sorted(skipped)
        )

    for line, cells in rows:  # cells are strings (readers of other formats convert theirs)
        sorter.take(line, cells)
        if len(sorter.data) >= chunk_rows:
            yield table(_chunk_frame(header, *sorter.take_data()))
    sorter.finish()
    yield table(_chunk_frame(header, *sorter.take_data()))
