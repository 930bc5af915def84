"""CSV in and out for `fsot method`: the input as text cells with each row's line number, its numbers,
the checks that name the file, line and column of a bad cell, and the output written exactly.

CSV in and out goes through libraries built for it rather than pandas' per-cell Python formatting (which
took three quarters of the time on 280,000 rows): pyarrow's reader parses the text and its compute
kernels the numbers, DuckDB's writer writes the result, each double as the shortest text that reads
back as the same double. Only click is imported at module level; the rest loads when a method runs.
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
        blank = _blank_rows(frame, self._arrow)
        if blank.any():
            frame, line = frame[~blank].reset_index(drop=True), line[~blank]
            if self._arrow is not None:
                import pyarrow as pa

                keep = pa.array(~blank)
                self._arrow = {name: column.filter(keep) for name, column in self._arrow.items()}
        self.frame, self.lines = frame, line
        if self.frame.empty:
            raise MethodInputError(f"{path}: no data rows under the header; add at least one row")

    def where(self, row: int, column: str) -> str:
        return f"{self.path}: line {int(self.lines[row])} ({LINE_NOTE}), column {column!r}"

    def require(self, *columns: str) -> None:
        for column in columns:
            if column not in self.frame.columns:
                have = ", ".join(self.frame.columns)
                raise MethodInputError(
                    f"{self.path}: column {column!r} is missing (the header has: {have}); add a {column!r} column"
                )

    def numbers(self, column: str):
        """Column as float64: thousands separators stripped, missing markers → NaN, text is an error."""
        import numpy as np
        import pandas as pd

        if self._arrow is not None:
            values = _plain_numbers(self._arrow[column])
            if values is not None:
                return values
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
            raise MethodInputError(f"{self.where(row, column)}: {_show(values[row])} {problem}; {fix}")


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
    frame = table.to_pandas()
    frame.columns = stripped
    return frame, line, dict(zip(stripped, table.columns))


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

    if not len(frame.columns):
        return np.ones(len(frame), dtype=bool)
    if arrow is not None:
        import pyarrow.compute as pc

        blank = None
        for column in arrow.values():
            empty = pc.equal(pc.utf8_trim_whitespace(column), "")
            blank = empty if blank is None else pc.and_(blank, empty)
        return blank.to_numpy()
    return (frame.apply(lambda col: col.str.strip()) == "").all(axis=1).to_numpy()


_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def _plain_numbers(column):
    """float64 array of a column of plain decimal numbers (thousands separators allowed, missing markers →
    NaN), parsed by Arrow (correctly rounded, as Python's float()); None if any cell is anything else, so
    that the pandas path decides it and names the bad cell."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pc.utf8_trim_whitespace(column)
    missing = pc.is_in(cells, value_set=pa.array(sorted(MISSING_MARKERS)))
    cleaned = pc.if_else(
        pc.match_substring_regex(cells, _THOUSANDS.pattern), pc.replace_substring(cells, ",", ""), cells
    )
    if not pc.all(pc.or_(missing, pc.match_substring_regex(cleaned, _PLAIN_NUMBER))).as_py():
        return None
    try:
        values = pc.cast(pc.if_else(missing, pa.scalar(None, pa.string()), cleaned), pa.float64())
    except pa.ArrowInvalid:
        return None
    return pc.fill_null(values, float("nan")).to_numpy()


def _show(value) -> str:
    if isinstance(value, str):
        return repr(value)
    return f"{float(value):.15g}"


# ---------------------------------------------------------------------------------------------
# Writing the output
# ---------------------------------------------------------------------------------------------


def write_output(result, output: Path) -> None:
    """Write ``result`` as CSV with DuckDB's writer, to a temporary file beside ``output`` renamed into place
    only when complete.

    A failure to write (full disk, read-only folder) is a one-line error naming OUTPUT; no file is left.

    Cells: a float is written as the shortest text that reads back as the same double (Python's
    ``repr``: 0.30000000000000004, 1e-05, 1.5e+300, inf, -inf), except that a whole number below 1e15
    keeps its integer form ("65", "-0"), as before; NaN and missing are empty. Integers as digits,
    booleans True/False, text as is, quoted only when it holds a comma, a quote or a line break;
    empty text is unquoted. The header is the column names in the same CSV style; lines end in "\\n".
    """
    import csv
    import io
    import shutil

    import duckdb

    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([str(name) for name in result.columns])
    header = header.getvalue().encode("utf-8")
    frame, cells = _cells(result)
    named = ", ".join(f"{cell} AS {_identifier(name)}" for cell, name in zip(cells, result.columns))
    handle, temp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    os.close(handle)
    body = f"{temp}.body"
    try:
        with duckdb.connect() as con:
            con.register("result", frame)
            con.sql(f"SELECT {named} FROM result").write_csv(temp, header=True, sep=",", quotechar='"', escapechar='"')
            with open(temp, "rb") as written:
                same_header = written.readline() == header
            if not same_header:  # DuckDB renamed a name that differs from another only in case: our header
                con.sql(f"SELECT {', '.join(cells)} FROM result").write_csv(
                    body, header=False, sep=",", quotechar='"', escapechar='"'
                )
                with open(temp, "wb") as stream, open(body, "rb") as rows:
                    stream.write(header)
                    shutil.copyfileobj(rows, stream, 1 << 22)
        os.replace(temp, output)
    except BaseException as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, (OSError, duckdb.Error)):
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
            raise MethodInputError(
                f"{output}: cannot write the results ({reason}); "
                "check there is space and the folder is writable, then run again"
            ) from exc
        raise
    finally:
        Path(body).unlink(missing_ok=True)


def _identifier(name) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _cells(result):
    """The frame to hand to DuckDB (columns renamed c0, c1, ...: DuckDB names are case-insensitive) and one
    SQL expression per column giving the text of its cells (NULL for an empty cell)."""
    import pandas as pd

    frame = result.set_axis([f"c{i}" for i in range(result.shape[1])], axis=1)
    cells = []
    for column, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype) and not pd.api.types.is_string_dtype(dtype.categories.dtype):
            frame[column] = frame[column].astype(object)
            dtype = frame[column].dtype
        if pd.api.types.is_bool_dtype(dtype):
            cells.append(f"CASE WHEN {column} THEN 'True' WHEN NOT {column} THEN 'False' END")
        elif pd.api.types.is_float_dtype(dtype):
            value = f"CAST({column} AS DOUBLE)"
            cells.append(
                f"CASE WHEN isnan({value}) THEN NULL "
                f"WHEN {value} = 0 THEN CASE WHEN signbit({value}) THEN '-0' ELSE '0' END "
                f"WHEN {value} = trunc({value}) AND abs({value}) < 1e15 "
                f"THEN CAST(CAST({value} AS BIGINT) AS VARCHAR) ELSE CAST({value} AS VARCHAR) END"
            )
        elif pd.api.types.is_integer_dtype(dtype):
            cells.append(f"CAST({column} AS VARCHAR)")
        else:
            if not (isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype)) or dtype == object:  # noqa: E721 - a numpy dtype equals object when it is 'O'
                frame[column] = [None if _missing(v) else str(v) for v in frame[column]]
            cells.append(f"NULLIF(CAST({column} AS VARCHAR), '')")
    return frame, cells


def _missing(value) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
