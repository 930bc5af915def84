"""Inserting a reader's chunks into raw.<table> and keeping them in the read cache as they go
(pipeline/warehouse/load.insert_chunks, pipeline/warehouse/read_cache.py)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.warehouse import load
from pipeline.warehouse.read_cache import ReadCacheWriter

COLUMNS = ["area_code", "value", "note", "_file", "_line"]


def _table(con):
    con.execute("create schema if not exists raw")
    load.create_raw_table(con, "t", COLUMNS)


def _chunks():
    first = pd.DataFrame(
        {
            "area_code": pd.Series(["E05000001", " é ", np.nan], dtype="str"),
            "value": pd.Series(["1,045", "", "x, y"], dtype="str"),
            "_file": "a.csv",
            "_line": np.array([2, 3, 4], dtype="int64"),
        }
    )  # no "note" column: it is empty
    second = pd.DataFrame(
        {"area_code": ["E05000002"], "value": [None], "note": ["*"], "_file": ["a.csv"], "_line": [5]}
    )  # object columns with None, as a reader of awkward rows gives
    return [first, second]


def _rows(con, query):
    return con.execute(query).fetchall()


def test_chunks_go_in_as_duckdb_converted_the_frames_and_the_cache_holds_the_same_rows(tmp_path):
    fast, slow = duckdb.connect(), duckdb.connect()
    for con in (fast, slow):
        _table(con)
    target = tmp_path / "cache" / "key.parquet"
    keep = ReadCacheWriter(target, load._raw_schema(fast, "t"))
    assert load.insert_chunks(fast, "t", "src", _chunks(), keep) == 4
    keep.finish()
    for chunk in _chunks():  # what DuckDB made of the pandas frames themselves
        chunk.insert(0, "_source", "src")
        slow.register("_incoming", chunk)
        slow.execute("insert into raw.t by name select * from _incoming")
    everything = "select * from raw.t order by _line"
    assert _rows(fast, everything) == _rows(slow, everything)
    assert _rows(fast, everything)[2] == ("src", None, "x, y", None, "a.csv", 4)
    assert _rows(fast, f"select * from read_parquet('{target}') order by _line") == _rows(fast, everything)
    assert [p.name for p in target.parent.iterdir()] == ["key.parquet"]


def test_a_chunk_of_other_values_goes_in_as_before_and_no_cache_is_kept(tmp_path):
    con = duckdb.connect()
    _table(con)
    target = tmp_path / "key.parquet"
    keep = ReadCacheWriter(target, load._raw_schema(con, "t"))
    odd = pd.DataFrame({"area_code": ["E05000003"], "value": [2.5], "_line": [6]})  # a number, not text
    load.insert_chunks(con, "t", "src", [*_chunks(), odd], keep)
    keep.finish()
    assert _rows(con, "select value from raw.t where _line = 6") == [("2.5",)]
    assert list(tmp_path.iterdir()) == []


def test_a_cache_that_cannot_be_written_costs_nothing_but_the_cache(tmp_path, monkeypatch):
    con = duckdb.connect()
    _table(con)
    keep = ReadCacheWriter(tmp_path / "key.parquet", load._raw_schema(con, "t"))

    def full_disk(self, table, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full_disk)
    assert load.insert_chunks(con, "t", "src", _chunks(), keep) == 4
    keep.finish()
    assert not keep.writing and list(tmp_path.iterdir()) == []
    assert _rows(con, "select count(*) from raw.t") == [(4,)]


def test_the_raw_schema_is_text_and_line_numbers():
    con = duckdb.connect()
    _table(con)
    schema = load._raw_schema(con, "t")
    assert schema.names == ["_source", *COLUMNS]
    assert [schema.field(n).type for n in ("_source", "value", "_line")] == [pa.large_string()] * 2 + [pa.int64()]


def _many_chunks(n: int):
    for i in range(n):
        yield pd.DataFrame(
            {"area_code": [f"E{i:08d}", "x"], "value": ["1", "2"], "_file": "a.csv", "_line": [2 * i + 2, 2 * i + 3]}
        )


def test_chunks_stored_on_a_second_thread_arrive_in_order_in_the_table_and_the_cache(tmp_path):
    con = duckdb.connect()
    _table(con)
    target = tmp_path / "key.parquet"
    keep = ReadCacheWriter(target, load._raw_schema(con, "t"))
    assert load.insert_chunks(con, "t", "src", _many_chunks(50), keep) == 100
    keep.finish()
    # no order by: rows are in the table, and in the cache, in the order the reader gave them
    assert [r[0] for r in _rows(con, "select _line from raw.t")] == list(range(2, 102))
    assert pq.read_table(target)["_line"].to_pylist() == list(range(2, 102))


def test_an_error_storing_a_chunk_or_reading_the_next_stops_the_load_with_that_error():
    con = duckdb.connect()
    _table(con)

    def bad_fifth_chunk():
        for i, chunk in enumerate(_many_chunks(20)):
            if i == 4:  # a line number DuckDB cannot store as one
                chunk["_line"] = pd.Series(["10", "oops"], dtype=object)
            yield chunk

    try:
        load.insert_chunks(con, "t", "src", bad_fifth_chunk())
    except duckdb.ConversionException as exc:
        assert "oops" in str(exc)
    else:
        raise AssertionError("the failing chunk's error was not raised")
    assert _rows(con, "select max(_line) from raw.t")[0][0] == 9  # the four chunks before it, nothing after

    def failing_reader():
        yield from _many_chunks(2)
        raise ValueError("line 7: unreadable")

    con.execute("delete from raw.t")
    try:
        load.insert_chunks(con, "t", "src", failing_reader())
    except ValueError as exc:
        assert str(exc) == "line 7: unreadable"
    else:
        raise AssertionError("the reader's error was not raised")
    assert _rows(con, "select count(*) from raw.t")[0][0] == 4  # the chunks before it are in, and done
