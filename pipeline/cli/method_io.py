"""CSV in and out for `fsot method`: the input as text cells with each row's line number, its numbers,
the checks that name the file, line and column of a bad cell, and the output written exactly.

CSV in and out goes through Arrow rather than pandas' per-cell Python formatting (which took three
quarters of the time on 280,000 rows): pyarrow's reader parses the text, its compute kernels the
numbers, and its kernels format the result, each double as the shortest text that reads back as the
same double. A method that computes on arrays (life expectancy) never builds a pandas frame: the
input's frame is made only when a method asks for it. Only click is imported at module level; the rest
loads when a method runs.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import click

MISSING_MARKERS = frozenset({"", "NA", "N/A", "NaN", "nan", "null", "NULL"})
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
LINE_NOTE = "line 1 is the header"


class MethodInputError(click.ClickException):
    """A one-line error about the input; exit code 2."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


# ---------------------------------------------------------------------------------------------
# Reading the input
# ---------------------------------------------------------------------------------------------


class InputFile:
    """The input as text cells, with each row's line number in the file.

    A well-formed file (a plain header, the same number of cells on every line, no line breaks inside
    quotes) is parsed by pyarrow's CSV reader; anything else by pandas, as before, which also gives its
    error messages. Both give the same text cells and line numbers (tests/test_method_command.py).
    """

    def __init__(self, path: Path):
        self.path = path
        if not path.is_file():
            raise MethodInputError(f"{path}: file not found; give the path of a CSV file")
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        if not text.strip():
            raise MethodInputError(f"{path}: the file is empty; it needs a header line and at least one data row")
        frame, line, self._arrow = _read_with_arrow(text) or _read_with_pandas(path, text)
        self.names = list(self._arrow) if self._arrow is not None else list(frame.columns)
        blank = _blank_rows(frame, self._arrow)
        if blank.any():
            line = line[~blank]
            if self._arrow is not None:
                from pipeline.cli.arrow_buffers import from_numpy

                keep = from_numpy(~blank)
                self._arrow = {name: column.filter(keep) for name, column in self._arrow.items()}
            else:
                frame = frame[~blank].reset_index(drop=True)
        self._frame, self.lines = frame, line
        self.rows = len(line)
        if not self.rows or not self.names:
            raise MethodInputError(f"{path}: no data rows under the header; add at least one row")

    @property
    def frame(self):
        """The text cells as a pandas DataFrame (made from Arrow's columns the first time it is asked for)."""
        if self._frame is None:
            import pyarrow as pa

            self._frame = pa.table(list(self._arrow.values()), names=self.names).to_pandas()
        return self._frame

    def text(self, column: str):
        """One column's text cells as an Arrow string array."""
        if self._arrow is not None:
            return self._arrow[column]
        import pyarrow as pa

        return pa.array(self._frame[column].to_numpy(dtype=object), type=pa.string())

    def where(self, row: int, column: str) -> str:
        return f"{self.path}: line {int(self.lines[row])} ({LINE_NOTE}), column {column!r}"

    def require(self, *columns: str) -> None:
        for column in columns:
            if column not in self.names:
                have = ", ".join(self.names)
                raise MethodInputError(
                    f"{self.path}: column {column!r} is missing (the header has: {have}); add a {column!r} column"
                )

    def numbers(self, column: str):
        """Column as float64: thousands separators stripped, missing markers → NaN, text is an error."""
        if self._arrow is not None:
            values = _plain_numbers(self._arrow[column])
            if values is not None:
                return values
        import numpy as np
        import pandas as pd

        cells = self.frame[column].str.strip()
        missing = cells.isin(MISSING_MARKERS)
        grouped = cells.str.match(_THOUSANDS)
        cleaned = cells.where(~grouped, cells.str.replace(",", "", regex=False))
        values = pd.to_numeric(cleaned.where(~missing, None), errors="coerce")
        bad = values.isna() & ~missing
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise MethodInputError(
                f"{self.where(row, column)}: {cells.iloc[row]!r} is not a number; "
                "correct it, or leave the cell empty if the value is missing"
            )
        return values.to_numpy(dtype=float, na_value=np.nan)

    def check(self, column: str, values, bad_mask, problem: str, fix: str) -> None:
        """Error at the first row where ``bad_mask`` holds; ``values`` supplies what is shown."""
        import numpy as np

        bad_mask = np.asarray(bad_mask, dtype=bool)
        if bad_mask.any():
            row = int(np.flatnonzero(bad_mask)[0])
            value = values[row]
            value = value.as_py() if hasattr(value, "as_py") else value  # a cell of an Arrow array
            raise MethodInputError(f"{self.where(row, column)}: {_show(value)} {problem}; {fix}")


def _read_with_arrow(text: str):
    """(frame of text cells, line number of each row, {column: arrow array}) read by pyarrow, or None when
    the file is not plain enough for it (pandas then reads it, as before)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    header, _, body = text.partition("\n")
    names = header.split(",")
    stripped = [name.strip() for name in names]
    if '"' in header or "" in stripped or len(set(names)) < len(names) or len(set(stripped)) < len(stripped):
        return None  # quoted, unnamed or repeated column names: pandas' rules apply
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(body.encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=[f"c{i}" for i in range(len(names))]),
            parse_options=pa_csv.ParseOptions(newlines_in_values=False, ignore_empty_lines=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(len(names))},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowException:
        return None  # ragged rows, line breaks inside quotes, ...
    if "\n\n" in body or body.startswith("\n"):
        line = np.array([number for number, cells in enumerate(body.split("\n"), start=2) if cells], dtype=np.int64)
    else:
        line = np.arange(2, 2 + body.count("\n") + (not body.endswith("\n") and body != ""), dtype=np.int64)
    if len(line) != table.num_rows:
        return None
    return None, line, {name: column.combine_chunks() for name, column in zip(stripped, table.columns)}


def _read_with_pandas(path: Path, text: str):
    import io

    import numpy as np
    import pandas as pd

    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        raise MethodInputError(f"{path}: not a readable CSV file ({exc}); save it as comma-separated text") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.fillna("")
    return frame, np.arange(2, len(frame) + 2, dtype=np.int64), None


def _blank_rows(frame, arrow):
    """Rows whose every cell is empty or spaces (blank lines, lines of commas)."""
    import numpy as np

    if arrow is not None:
        import pyarrow.compute as pc

        from pipeline.cli.arrow_buffers import from_numpy, to_numpy

        blank = np.ones(len(next(iter(arrow.values()))), dtype=bool)
        for column in arrow.values():  # each column only where the columns before it were blank
            rows = np.flatnonzero(blank)
            if not len(rows):
                break
            cells = column if len(rows) == len(column) else column.take(from_numpy(rows))
            blank[rows] = to_numpy(pc.utf8_length(pc.utf8_trim_whitespace(cells))) == 0
        return blank
    if not len(frame.columns):
        return np.ones(len(frame), dtype=bool)
    return (frame.apply(lambda col: col.str.strip()) == "").all(axis=1).to_numpy()


def _plain_numbers(column):
    """float64 array of a column of plain decimal numbers (thousands separators allowed, missing markers →
    NaN), parsed by Arrow (correctly rounded, as Python's float()); None if any cell is anything else, so
    that the pandas path decides it and names the bad cell. Arrow's parser takes decimal numbers and, of
    anything else, only the words for infinity and not-a-number ("inf", "NAN", ...): a column where such
    a word gives a value is left to pandas too, whose rules for them differ."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from pipeline.cli.arrow_buffers import text, to_numpy

    cells = pc.utf8_trim_whitespace(column)
    missing = pc.is_in(cells, value_set=text(sorted(MISSING_MARKERS)))
    cleaned = cells
    if pc.any(pc.match_substring(cells, ",")).as_py():  # thousands separators somewhere: strip them
        grouped = pc.match_substring_regex(cells, _THOUSANDS.pattern)
        cleaned = pc.if_else(grouped, pc.replace_substring(cells, ",", ""), cells)
    try:
        values = pc.cast(pc.if_else(missing, pa.nulls(len(cleaned), cleaned.type), cleaned), pa.float64())
    except pa.ArrowInvalid:
        return None
    numbers = to_numpy(values, null=np.nan)
    if not np.isfinite(numbers[~to_numpy(missing)]).all():
        return None
    return numbers


def _show(value) -> str:
    if isinstance(value, str):
        return repr(value)
    return f"{float(value):.15g}"


# ---------------------------------------------------------------------------------------------
# Writing the output
# ---------------------------------------------------------------------------------------------


def write_output(result, output: Path) -> int:
    """Write ``result`` (a DataFrame, or a mapping of column name to numpy or Arrow array) as CSV, to a
    temporary file beside ``output`` renamed into place only when complete; return the number of rows.

    A failure to write (full disk, read-only folder) is a one-line error naming OUTPUT; no file is left.

    Cells: a float is written as the shortest text that reads back as the same double (Python's
    ``repr``: 0.30000000000000004, 1e-05, 1.5e+300, inf, -inf), except that a whole number below 1e15
    keeps its integer form ("65", "-0"), as before; NaN and missing are empty. Integers as digits,
    booleans True/False, text as is, quoted only when it holds a comma, a quote or a line break;
    empty text is unquoted. The header is the column names in the same CSV style; lines end in "\\n".
    Every cell is made by Arrow's compute kernels, a column at a time, a large output in two halves at once
    (`method_cells.py`).
    """
    import csv
    import io

    from pipeline.cli.method_cells import csv_parts

    output = output.resolve()
    header = io.StringIO()
    names = result.columns if hasattr(result, "dtypes") else list(result)
    csv.writer(header, lineterminator="\n").writerow([str(name) for name in names])
    rows, temp = 0, None
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
        with os.fdopen(handle, "wb") as stream:
            stream.write(header.getvalue().encode("utf-8"))
            for lines, count in csv_parts(result):
                stream.write(lines)
                rows += count
        os.replace(temp, output)
    except BaseException as exc:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc).splitlines()[0]
            raise MethodInputError(
                f"{output}: cannot write the results ({reason}); "
                "check there is space and the folder is writable, then run again"
            ) from exc
        raise
    return rows
