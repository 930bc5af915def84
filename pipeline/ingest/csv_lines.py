"""Read a CSV file whose every record is one line with Arrow's string kernels instead of row by row.

The same rows, cells, line numbers and skipped lines as reading row by row (`csv_rows.iter_table`), only
faster: Python's csv module plus a Python step per row costs about 9 µs a row (6 s for an all-wards
Fingertips export of England), most of it turning each cell into an Arrow string.

When it applies (`records_are_lines`, one pass over the bytes): no NUL byte, no carriage return except
before a line feed, and an even number of double quotes up to every line feed. Then no record spans two
lines, so the n-th line below the header is line header_line + n, with no csv state carried from one
line to the next. Any other file is read row by row (`csv_file.iter_csv_table` decides), which also
gives the errors such files deserve.

How (`iter_lines_table`): the header is found row by row (preamble and all) as always. Below it the text
is read in blocks, and each block is split into lines by Arrow. A line is *plain* when it has no double
quote, exactly the header's number of fields, a first cell that is not the header's first name, text in
some cell after the first, no byte-order mark at its start, and is no longer than the csv module's field
size limit. A run of plain lines is cut into cells by Arrow's CSV reader with quoting off, every cell
text and none missing (on one thread: the loader stores the previous chunk on the other core meanwhile):
on such lines it cuts where the csv module cuts, at every comma, and none of the rules for special rows
applies (a byte-order mark at the start of its input Arrow would drop, hence that rule). Every other
line (quoted fields, ragged, blank, first cell only, a repeated header) is parsed by the csv module and
goes through `csv_rows.RowSorter` in file order, exactly as when the whole file is read row by row.
Tests read every file of the corpus, and generated files, both ways and compare (tests/test_csv_lines.py).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from pipeline.ingest import csv_rows

_BLOCK_CHARS = 1 << 23
# a line whose last cell holds no printable ASCII character (a superset of "blank": str.strip's whitespace);
# the class admits the comma, so a match after any comma means that the last cell has no text
_LAST_CELL_NO_TEXT = r"(?:^|,)[^!-+\--~]*$"


def records_are_lines(path: Path) -> bool:
    """True when every record of the file is exactly one line (module docstring), by one pass over its
    bytes: no NUL, no carriage return but before a line feed, an even number of quotes at every line end."""
    quotes = 0
    previous_cr = False
    with csv_rows._binary(path) as stream:
        for block in iter(lambda: stream.read(1 << 24), b""):
            if b"\0" in block:
                return False
            if previous_cr and not block.startswith(b"\n"):
                return False
            crs = block.count(b"\r")
            if crs and crs - block.count(b"\r\n") != (1 if block.endswith(b"\r") else 0):
                return False
            previous_cr = block.endswith(b"\r")
            if b'"' in block:
                raw = np.frombuffer(block, dtype=np.uint8)
                quote_at, line_end_at = np.flatnonzero(raw == 34), np.flatnonzero(raw == 10)
                if ((np.searchsorted(quote_at, line_end_at) + quotes) % 2).any():
                    return False
                quotes += len(quote_at)
    return not previous_cr and quotes % 2 == 0


def iter_lines_table(
    path: Path, encoding: str, text, required: csv_rows.HeaderTest, chunk_rows: int
) -> Iterator[csv_rows.CsvTable]:
    """The rows of `text` (the file's decoded stream, opened with newline='') as `csv_rows.iter_table`
    gives them, for a file whose records are lines (`records_are_lines`)."""
    skipped: list[tuple[int, str]] = []
    header_line, header = csv_rows._header(path, csv_rows._records(iter(text.readline, "")), required, skipped)
    sorter = csv_rows.RowSorter(header)
    sorter.skipped = skipped
    size = len(header)
    pieces: list[pa.Table] = []
    held = 0
    next_line = header_line + 1
    carry = ""

    def table(frame: pd.DataFrame) -> csv_rows.CsvTable:
        return csv_rows.CsvTable(
            path=path, encoding=encoding, header=header, header_line=header_line, frame=frame, skipped=sorted(skipped)
        )

    def collect_sorted_rows() -> None:
        nonlocal held
        data, lines, fields = sorter.take_data()
        if data:
            pieces.append(_rows_table(size, data, lines, fields))
            held += len(data)

    while True:
        read = text.read(_BLOCK_CHARS)
        if read:
            block, carry = _cut(carry + read)
            if not block:  # no whole line yet
                continue
        elif carry:  # the last line, without a line feed
            block, carry = carry, ""
        else:
            break
        text_array = pa.array([block], type=pa.large_string())
        lines = pc.split_pattern(text_array, pattern="\n").flatten()
        if block.endswith("\n"):
            lines = lines.slice(0, len(lines) - 1)
        # where each line starts in the block's UTF-8 bytes: the pieces are the block less one "\n" each
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
        starts = offsets - offsets[0] + np.arange(len(lines) + 1)
        if "\r" in block:  # only ever the last character of a line (records_are_lines)
            lines = pc.utf8_rtrim(lines, characters="\r")
        for start, stop, plain in _runs(lines, size, sorter.lowered[0], '"' in block):
            if not plain:
                for offset in range(start, stop):
                    number = next_line + offset
                    for _, cells in csv_rows._records([lines[offset].as_py()], first_line=number):
                        sorter.take(number, cells)
            else:
                sorter.release_pending()
                collect_sorted_rows()
                numbers = np.arange(next_line + start, next_line + stop, dtype="int64")
                data = text_array.buffers()[2]
                end = min(int(starts[stop]), data.size)  # the block's last line may have no line feed
                pieces.append(_plain_table(data.slice(int(starts[start]), end - int(starts[start])), numbers, size))
                held += stop - start
        collect_sorted_rows()
        next_line += len(lines)
        while held >= chunk_rows:
            chunk, rest = _split(pa.concat_tables(pieces), chunk_rows)
            yield table(_frame(chunk, header))
            pieces, held = [rest], rest.num_rows
    sorter.finish()
    collect_sorted_rows()
    last = pa.concat_tables(pieces) if pieces else _rows_table(size, [], [], [])
    yield table(_frame(last, header))


def _cut(text: str) -> tuple[str, str]:
    """(whole lines, the rest): a block read from the stream ends where its last line feed is."""
    end = text.rfind("\n") + 1
    if end == 0:
        return "", text
    return text[:end], text[end:]


def _runs(lines: pa.LargeStringArray, size: int, first_name: str, quoted: bool) -> Iterator[tuple[int, int, bool]]:
    """(start, stop, plain) for the runs of plain lines and of lines the csv module must read (module
    docstring); `quoted`: the block has a double quote somewhere."""
    if not len(lines):
        return
    special = pc.not_equal(pc.count_substring(lines, pattern=","), size - 1)
    if quoted:
        special = pc.or_(special, pc.match_substring(lines, pattern='"'))
    special = pc.or_(special, pc.greater(pc.utf8_length(lines), csv.field_size_limit()))
    # blank, or text in the first cell only: then the last cell has no text (it is the first if size is 1)
    special = pc.or_(special, pc.match_substring_regex(lines, pattern=_LAST_CELL_NO_TEXT))
    special = pc.or_(special, pc.starts_with(lines, pattern="\ufeff"))
    mask = special.fill_null(True).to_numpy(zero_copy_only=False).copy()
    # a repeated header among the plain lines (the csv module's test, on each distinct first cell once)
    first = pc.list_element(pc.split_pattern(lines, pattern=",", max_splits=1), 0)
    distinct = pc.unique(first).to_pylist()
    headers = [cell for cell in distinct if cell is not None and cell.strip().lower() == first_name]
    if headers:
        mask |= pc.is_in(first, value_set=pa.array(headers, type=first.type)).to_numpy(zero_copy_only=False)
    edges = np.flatnonzero(np.diff(mask.astype(np.int8))) + 1
    bounds = [0, *edges.tolist(), len(lines)]
    for start, stop in zip(bounds[:-1], bounds[1:]):
        if start < stop:
            yield start, stop, not mask[start]


def _plain_table(text: pa.Buffer, numbers: np.ndarray, size: int) -> pa.Table:
    """The cells of plain lines (`text`, UTF-8, line ends as in the file), by Arrow's CSV reader."""
    names = [str(n) for n in range(size)]
    cells = pa_csv.read_csv(
        pa.BufferReader(text),
        # a plain line is at most the csv module's field size limit in characters, so it fits in one block
        read_options=pa_csv.ReadOptions(
            column_names=names, block_size=max(1 << 20, 4 * csv.field_size_limit() + 2), use_threads=False
        ),
        parse_options=pa_csv.ParseOptions(quote_char=False, ignore_empty_lines=False),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return cells.append_column("_line", pa.array(numbers, type=pa.int64())).append_column(
        "_fields", pa.array(np.full(len(numbers), size, dtype="int64"))
    )


def _rows_table(size: int, data: list[list[str]], lines: list[int], fields: list[int]) -> pa.Table:
    columns = {str(n): pa.array([row[n] for row in data], type=pa.large_string()) for n in range(size)}
    columns["_line"] = pa.array(lines, type=pa.int64())
    columns["_fields"] = pa.array(fields, type=pa.int64())
    return pa.table(columns)


def _split(table: pa.Table, rows: int) -> tuple[pa.Table, pa.Table]:
    return table.slice(0, rows), table.slice(rows)


def _frame(table: pa.Table, header: list[str]) -> pd.DataFrame:
    """A chunk as `csv_rows._chunk_frame` makes it: the header's columns as strings, `_line`, `_fields`."""
    frame = table.combine_chunks().to_pandas(types_mapper={pa.large_string(): pd.StringDtype(na_value=np.nan)}.get)
    frame.columns = [*header, "_line", "_fields"]
    return frame
