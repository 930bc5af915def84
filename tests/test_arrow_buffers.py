"""pipeline/cli/arrow_buffers.py makes the arrays pyarrow's own conversions make, from the same memory."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pipeline.cli.arrow_buffers import from_numpy, text, text_scalar, to_numpy

NUMBER_TYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64"]


def _same(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    assert np.array_equal(got, want, equal_nan=got.dtype.kind == "f")
    if got.dtype.kind == "f":
        assert (np.signbit(got) == np.signbit(want)).all()


def _same_arrow(got: pa.Array, want: pa.Array) -> None:
    """The same type, nulls and values; doubles compared bit for bit (Arrow's equals has NaN ≠ NaN)."""
    assert got.type == want.type
    if pa.types.is_floating(got.type):
        bits = pa.uint64() if got.type == pa.float64() else pa.uint32()
        got, want = got.view(bits), want.view(bits)
    assert got.equals(want)


@pytest.mark.parametrize("dtype", [*NUMBER_TYPES, "bool"])
def test_numbers_and_booleans_go_to_arrow_and_back_as_pyarrow_converts_them(dtype):
    values = np.array([0, 1, 5, 7, 2, 3, 1, 0, 6, 4, 1], dtype=dtype)
    made = from_numpy(values)
    _same_arrow(made, pa.array(values))
    _same(to_numpy(made), pa.array(values).to_numpy(zero_copy_only=False))
    for start, stop in [(0, 11), (3, 11), (5, 6), (9, 9), (1, 10)]:  # slices start part-way into a bitmap byte
        part = made.slice(start, stop - start)
        _same(to_numpy(part), values[start:stop])


def test_nan_stays_a_number_and_the_mask_makes_nulls():
    values = np.array([1.5, np.nan, -0.0, np.inf, 2.25])
    mask = np.array([False, False, True, False, True])
    made = from_numpy(values, mask=mask)
    _same_arrow(made, pa.array(values, mask=mask))
    assert made.null_count == 2 and made[1].is_valid
    assert np.isnan(made[1].as_py())
    _same(to_numpy(made, null=np.nan), np.array([1.5, np.nan, np.nan, np.inf, np.nan]))
    _same(to_numpy(from_numpy(values, mask=np.zeros(5, dtype=bool))), values)
    assert from_numpy(values, mask=np.zeros(5, dtype=bool)).buffers()[0] is None  # no bitmap when none is null


def test_nulls_need_a_value_and_only_numbers_and_booleans_convert():
    with pytest.raises(ValueError, match="null"):
        to_numpy(pa.array([1.0, None]))
    with pytest.raises(TypeError, match="neither numbers nor booleans"):
        to_numpy(pa.array(["a"]))
    with pytest.raises(ValueError, match="one-dimensional"):
        from_numpy(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="mask"):
        from_numpy(np.zeros(3), mask=[True])
    _same(to_numpy(pa.array([1, None, 3], pa.int64()), null=-1), np.array([1, -1, 3]))
    _same(to_numpy(pa.array([True, None, False]), null=False), np.array([True, False, False]))


def test_chunked_empty_and_strided_arrays():
    chunked = pa.chunked_array([pa.array([1.0, 2.0]), pa.array([3.0])])
    _same(to_numpy(chunked), np.array([1.0, 2.0, 3.0]))
    _same(to_numpy(pa.array([], pa.float64())), np.empty(0))
    _same(to_numpy(pa.array([], pa.bool_())), np.empty(0, dtype=bool))
    strided = np.arange(10, dtype=np.int32)[::3]  # not contiguous: copied first
    _same_arrow(from_numpy(strided), pa.array(strided))
    _same_arrow(from_numpy(np.empty(0)), pa.array(np.empty(0)))


def test_text_is_pyarrows_string_array_and_scalar():
    cells = ["a", "", None, "Ünïcødé €", 'quote " and, comma', "\n"]
    assert text(cells).equals(pa.array(cells, pa.string()))
    assert text([]).equals(pa.array([], pa.string()))
    assert text(iter(["x", None])).equals(pa.array(["x", None], pa.string()))
    assert text_scalar("x").equals(pa.scalar("x", pa.string()))
    assert text_scalar(",", pa.large_string()).equals(pa.scalar(",", pa.large_string()))
    assert not text_scalar(None).is_valid
    # as compute functions' arguments, as the Python values were
    values = pa.array(["", "a", None])
    assert pc.equal(values, text_scalar("")).equals(pc.equal(values, ""))


@settings(max_examples=200, deadline=None)
@given(
    values=hnp.arrays(
        dtype=st.sampled_from([np.dtype(t) for t in [*NUMBER_TYPES, "bool"]]),
        shape=st.integers(0, 40),
        elements=None,
    ),
    data=st.data(),
)
def test_any_array_mask_and_slice_round_trips_as_pyarrow_converts_it(values, data):
    mask = data.draw(hnp.arrays(dtype=np.bool_, shape=values.shape))
    start = data.draw(st.integers(0, len(values)))
    stop = data.draw(st.integers(start, len(values)))
    made = from_numpy(values, mask=mask)
    _same_arrow(made, pa.array(values, mask=mask))
    fill = False if values.dtype == np.bool_ else 0
    want = np.where(mask, fill, values)[start:stop]
    got = to_numpy(made.slice(start, stop - start), null=fill)
    assert np.array_equal(got, want, equal_nan=True)
    assert got.dtype == want.dtype
