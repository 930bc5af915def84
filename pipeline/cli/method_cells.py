"""The text of every cell `fsot method` writes, made a column at a time by Arrow's compute kernels.

Numbers: Arrow formats a double as the shortest digits that read back as the same double (as Python's
``repr`` does), but lays out some of them differently: below 1e-4 it writes 0.00001 where Python writes
1e-05, and from 1e10 it writes 1e+10 where Python writes 10000000000. Those few cells are written by
Python (`_python_number`); every other finite double has the same text either way
(tests/test_method_command.py checks this on doubles of every magnitude). Missing values (NaN, None)
are empty cells (Arrow nulls here), text is quoted only where it holds a comma, a quote or a line break.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

_NEEDS_QUOTES = r'[,"\n\r]'
_ARROW_LAYOUT_FROM = 1e10  # Arrow writes exponents from here up; Python from 1e16 (whole numbers: never below 1e15)
_ARROW_LAYOUT_BELOW = 1e-4  # Arrow writes 0.00001 below here; Python 1e-05


def _python_number(value: float) -> str:
    """The cell of a finite, non-zero double: a whole number below 1e15 as an integer ("65"), else ``repr``."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def number_cells(values) -> Any:
    """Cells of a float array: `_python_number`'s text, empty (null) for NaN."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from pipeline.cli.arrow_buffers import from_numpy, text

    v = np.asarray(values, dtype=np.float64)
    missing = np.isnan(v)
    cells = pc.cast(from_numpy(v, mask=missing), pa.string())
    with np.errstate(invalid="ignore"):
        size = np.abs(v)
        other_layout = np.isfinite(v) & (v != 0) & ((size < _ARROW_LAYOUT_BELOW) | (size >= _ARROW_LAYOUT_FROM))
    if other_layout.any():
        fixed = text([_python_number(x) for x in v[other_layout].tolist()])
        cells = pc.replace_with_mask(cells, from_numpy(other_layout), fixed)
    return cells


def text_cells(values) -> Any:
    """Cells of an Arrow string array: empty text is an empty cell; quoted (quotes doubled) where needed."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from pipeline.cli.arrow_buffers import text_scalar

    values = values.cast(pa.string())
    values = pc.if_else(pc.equal(values, text_scalar("")), pa.nulls(len(values), pa.string()), values)
    needs = pc.match_substring_regex(values, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return values
    quote, empty = text_scalar('"'), text_scalar("")
    quoted = pc.binary_join_element_wise(quote, pc.replace_substring(values, '"', '""'), quote, empty)
    return pc.if_else(needs, quoted, values)


def _boolean_cells(values, missing: Any = None) -> Any:
    """Cells of booleans (an Arrow boolean array, or numpy with a mask of the missing): True, False, empty."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from pipeline.cli.arrow_buffers import from_numpy, text_scalar

    if not isinstance(values, pa.Array):
        values = from_numpy(np.asarray(values, dtype=bool), mask=missing)
    return pc.if_else(values, text_scalar("True"), text_scalar("False"))


def array_cells(values) -> Any:
    """Cells of one column given as a numpy array or an Arrow array (dictionary arrays formatted once per
    distinct value)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from pipeline.cli.arrow_buffers import from_numpy, text, to_numpy

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.DictionaryArray):
        return array_cells(values.dictionary).take(values.indices)
    if isinstance(values, pa.Array):
        kind = values.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            return text_cells(values)
        if pa.types.is_integer(kind):
            return pc.cast(values, pa.string())
        if pa.types.is_boolean(kind):
            return _boolean_cells(values)
        if pa.types.is_floating(kind):
            return number_cells(to_numpy(pc.cast(values, pa.float64()), null=np.nan))
        values = np.asarray(values.to_pylist(), dtype=object)
    values = np.asarray(values)
    if values.dtype.kind == "f":
        return number_cells(values)
    if values.dtype.kind == "b":
        return _boolean_cells(values)
    if values.dtype.kind in "iu":
        return pc.cast(from_numpy(values), pa.string())
    return text_cells(text([None if _missing(v) else str(v) for v in values.tolist()]))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def mapping_cells(columns: Mapping[str, Any]) -> list[Any]:
    return [array_cells(values) for values in columns.values()]


def frame_cells(frame) -> list[Any]:
    """Cells of every column of a pandas DataFrame, by the column's type (as the writer has always done)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    cells = []
    for _, series in frame.items():
        dtype = series.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            if pd.api.types.is_string_dtype(dtype.categories.dtype):
                codes = series.cat.codes.to_numpy()
                labels = array_cells(pa.array(dtype.categories.to_numpy(dtype=object), type=pa.string()))
                cells.append(labels.take(pa.array(codes, mask=codes < 0)))
                continue
            series = series.astype(object)
            dtype = series.dtype
        missing = series.isna().to_numpy()
        if pd.api.types.is_bool_dtype(dtype):
            cells.append(
                _boolean_cells(series.to_numpy(dtype=bool, na_value=False), missing if missing.any() else None)
            )
        elif pd.api.types.is_float_dtype(dtype):
            cells.append(number_cells(series.to_numpy(dtype=np.float64, na_value=np.nan)))
        elif pd.api.types.is_integer_dtype(dtype):
            cells.append(array_cells(pa.array(series)))
        elif pd.api.types.is_string_dtype(dtype) and dtype != object:  # noqa: E721 - numpy's 'O' equals object
            cells.append(text_cells(pa.array(series.to_numpy(dtype=object, na_value=None), type=pa.string())))
        else:
            text = [None if is_missing else str(v) for v, is_missing in zip(series.tolist(), missing.tolist())]
            cells.append(text_cells(pa.array(text, type=pa.string())))
    return cells


TWO_PARTS_FROM_ROWS = 50_000  # a smaller output is made in one part: a second thread costs more than it saves


def csv_parts(result: Any) -> Iterator[tuple[memoryview, int]]:
    """The CSV lines of ``result`` (a pandas DataFrame, or a mapping of column name to numpy or Arrow
    array), as `csv_lines` makes them, in order. From `TWO_PARTS_FROM_ROWS` rows the first and second
    halves of the rows are made at the same time on two threads (Arrow's kernels and numpy release
    Python's lock), which takes about two thirds of the time; every cell depends on its own row only,
    so the bytes are the same."""
    from concurrent.futures import ThreadPoolExecutor

    is_frame = hasattr(result, "dtypes")
    rows = len(result) if is_frame else len(next(iter(result.values()), ()))

    def lines(start: int, stop: int) -> tuple[memoryview, int]:
        if is_frame:
            return csv_lines(frame_cells(result.iloc[start:stop]))
        return csv_lines(mapping_cells({name: _row_range(values, start, stop) for name, values in result.items()}))

    if rows < TWO_PARTS_FROM_ROWS:
        yield lines(0, rows)
        return
    half = rows // 2
    with ThreadPoolExecutor(2) as pool:
        yield from pool.map(lines, (0, half), (half, rows))


def _row_range(values: Any, start: int, stop: int) -> Any:
    import pyarrow as pa

    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.slice(start, stop - start)
    return values[start:stop]


def csv_lines(cells: list[Any]) -> tuple[memoryview, int]:
    """The CSV lines of columns of cells (Arrow string arrays, null = empty cell) as one buffer of bytes,
    each line ending in "\\n", and the number of lines. One join makes every line, the line feed added
    to the last column first, so that the output exists once in memory (fresh memory is the main cost)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from pipeline.cli.arrow_buffers import text_scalar

    rows = len(cells[0]) if cells else 0
    if not rows:
        return memoryview(b""), 0
    size = sum(column.nbytes for column in cells) + 2 * rows * len(cells)  # more than the lines will need
    text = pa.string() if size < 2**31 - 1 else pa.large_string()  # 32-bit offsets while they suffice
    columns = [column if column.type == text else column.cast(text) for column in cells]
    empty = {"null_handling": "replace", "null_replacement": ""}
    line_end = (text_scalar("", text), text_scalar("\n", text))
    columns[-1] = pc.binary_join_element_wise(columns[-1], *line_end, **empty)
    lines = pc.binary_join_element_wise(*columns, text_scalar(",", text), **empty) if len(columns) > 1 else columns[0]
    offset_type = np.int32 if text == pa.string() else np.int64
    offsets = np.frombuffer(lines.buffers()[1], dtype=offset_type)[lines.offset : lines.offset + rows + 1]
    return memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])], rows
