"""numpy arrays and Python text as Arrow arrays, and back, through the arrays' memory buffers.

pyarrow's own conversions (``pa.array``, ``pa.scalar``, ``Array.to_numpy``, a Python value passed to a
compute function) first import pandas to see whether the value is a pandas object. That takes
0.2-0.4 s, about a quarter of `fsot method life-expectancy` on 280,000 rows, which never needs pandas.
These functions make the same arrays from the same memory without asking. The values, types, nulls
and slices they give are checked against pyarrow's own conversions in tests/test_arrow_buffers.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa

_STRING_LIMIT = 2**31 - 1  # the largest offset of a 32-bit string array


def _bits(buffer: pa.Buffer | None, start: int, length: int) -> np.ndarray:
    """Arrow's little-endian bitmap (validity or booleans) from bit ``start``, as ``length`` booleans."""
    if buffer is None:  # no validity bitmap: every cell is valid
        return np.ones(length, dtype=bool)
    packed = np.frombuffer(buffer, dtype=np.uint8)
    return np.unpackbits(packed, count=start + length, bitorder="little")[start:].astype(bool)


def to_numpy(array: pa.Array | pa.ChunkedArray, null: Any = None) -> np.ndarray:
    """An Arrow array of numbers or booleans as a numpy array (read-only when it shares Arrow's memory).

    Null cells become ``null`` (the array's numbers then promoted as numpy promotes them, e.g. to float
    for NaN); with ``null`` None an array with nulls is an error."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    kind, length, start = array.type, len(array), array.offset
    buffers = array.buffers()
    if pa.types.is_boolean(kind):
        values = _bits(buffers[1], start, length)
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
        dtype = np.dtype(kind.to_pandas_dtype())  # the numpy dtype of the same width (no pandas involved)
        if length:
            values = np.frombuffer(buffers[1], dtype=dtype, count=length, offset=start * dtype.itemsize)
        else:
            values = np.empty(0, dtype=dtype)
    else:
        raise TypeError(f"to_numpy: an Arrow array of {kind} is neither numbers nor booleans")
    if array.null_count:
        if null is None:
            raise ValueError(f"to_numpy: the array has {array.null_count} null(s) and no value was given for them")
        values = np.where(_bits(buffers[0], start, length), values, null)
    return values


def from_numpy(values: Any, mask: Any = None) -> pa.Array:
    """A one-dimensional numpy array of numbers or booleans as an Arrow array of the same type (NaN stays
    a number); cells where ``mask`` is True are null."""
    data = np.ascontiguousarray(values)
    if data.ndim != 1:
        raise ValueError(f"from_numpy: a {data.ndim}-dimensional array; give a one-dimensional one")
    if data.dtype == np.bool_:
        kind, buffer = pa.bool_(), pa.py_buffer(np.packbits(data, bitorder="little"))
    else:
        kind, buffer = pa.from_numpy_dtype(data.dtype), pa.py_buffer(data)  # TypeError for any other dtype
    validity, nulls = None, 0
    if mask is not None:
        missing = np.asarray(mask, dtype=bool)
        if missing.shape != data.shape:
            raise ValueError(f"from_numpy: a mask of {missing.size} cell(s) for {data.size} value(s)")
        nulls = int(missing.sum())
        if nulls:
            validity = pa.py_buffer(np.packbits(~missing, bitorder="little"))
    return pa.Array.from_buffers(kind, len(data), [validity, buffer], null_count=nulls)


def text(values: Iterable[str | None]) -> pa.Array:
    """Python strings as an Arrow string array (large_string beyond 2 GiB of text); None is null."""
    cells = list(values)
    encoded = [b"" if cell is None else cell.encode("utf-8") for cell in cells]
    ends = np.cumsum([len(e) for e in encoded], dtype=np.int64)
    total = int(ends[-1]) if len(ends) else 0
    kind, width = (pa.string(), np.int32) if total <= _STRING_LIMIT else (pa.large_string(), np.int64)
    offsets = np.zeros(len(cells) + 1, dtype=width)
    offsets[1:] = ends
    missing = np.fromiter((cell is None for cell in cells), dtype=bool, count=len(cells))
    nulls = int(missing.sum())
    validity = pa.py_buffer(np.packbits(~missing, bitorder="little")) if nulls else None
    return pa.Array.from_buffers(
        kind, len(cells), [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))], null_count=nulls
    )


def text_scalar(value: str | None, kind: pa.DataType | None = None) -> pa.Scalar:
    """One string (None: a null string) as an Arrow scalar, of ``kind`` (string by default)."""
    cell = text([value])
    return (cell if kind is None or kind == cell.type else cell.cast(kind))[0]
