"""Files whose records are lines are read with Arrow's string kernels (pipeline/ingest/csv_lines.py):
the rows, cells, line numbers and skipped lines must be exactly those of reading row by row."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest import csv_file, csv_lines, local_drop

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
HEADER = "area_code,period,sex,value"
AWKWARD_LINES = (
    "Title of the table\r\n"  # 1 preamble (CRLF line ends from here on)
    "\r\n"  # 2 blank
    f"{HEADER}\r\n"  # 3 header
    "E05000001,2021,Persons,1\r\n"  # 4
    "note in the middle,,,\r\n"  # 5 text in the first cell only, but data follows
    'E05000002,2021,"Persons, all","2,5"\r\n'  # 6 quoted fields with commas
    f"{HEADER}\r\n"  # 7 repeated header
    "E05000003,2021,Persons,4,,\r\n"  # 8 a stray trailing comma
    "E05000004,2021\r\n"  # 9 too few fields
    " , , , \r\n"  # 10 blank but for spaces
    'E05000005,2021,"say ""hi""",\xa05\r\n'  # 11 escaped quotes; a no-break space is kept
    "Source: a footnote\r\n"  # 12 footnote
    "Note 2: another footnote,,,\x1c"  # 13 footnote (\x1c is whitespace to str.strip); no line end
)


def row_by_row(path: Path, required=local_drop.REQUIRED, chunk_rows: int = 10**6) -> csv_file.CsvTable:
    """`path` read as any file is when its records may span lines: by the csv module, row by row."""
    fast_path = csv_lines.records_are_lines
    csv_lines.records_are_lines = lambda path: False
    try:
        return csv_file.concat_tables(csv_file.iter_csv_table(path, required, chunk_rows))
    finally:
        csv_lines.records_are_lines = fast_path


def outcome(read):
    try:
        table = read()
    except csv_file.SourceFileError as exc:
        return f"error: {exc}"
    return table.frame.to_dict("list"), table.skipped, table.header_line, table.header, table.encoding


@pytest.mark.parametrize("block_chars", [5, 64, 1 << 23])
@pytest.mark.parametrize("chunk_rows", [1, 2, 1000])
def test_a_file_of_one_line_records_reads_as_worked_out_by_hand(tmp_path, monkeypatch, chunk_rows, block_chars):
    monkeypatch.setattr(csv_lines, "_BLOCK_CHARS", block_chars)
    path = tmp_path / "awkward.csv"
    path.write_bytes(AWKWARD_LINES.encode("utf-8"))
    assert csv_lines.records_are_lines(path)
    table = csv_file.concat_tables(csv_file.iter_csv_table(path, local_drop.REQUIRED, chunk_rows))
    assert table.frame["_line"].tolist() == [4, 5, 6, 8, 9, 11]
    assert table.frame["sex"].tolist() == ["Persons", "", "Persons, all", "Persons", "", 'say "hi"']
    assert table.frame["value"].tolist() == ["1", "", "2,5", "4", "", "\xa05"]
    assert table.frame["_fields"].tolist() == [4, 4, 4, 4, 2, 4]
    assert table.skipped == [
        (1, "preamble above the header"),
        (7, "repeated header"),
        (12, "footnote below the data"),
        (13, "footnote below the data"),
    ]
    assert table.header_line == 3
    assert outcome(lambda: table) == outcome(lambda: row_by_row(path))


@pytest.mark.parametrize(
    "text",
    ['a,b\n"one\ntwo",3\n', "a,b\r1,2\n", "a,b\n1,\x002\n", 'a,b\n"1,2\n'],
    ids=["quoted line break", "bare carriage return", "NUL byte", "unclosed quote"],
)
def test_a_record_that_may_span_lines_is_read_row_by_row(tmp_path, text):
    path = tmp_path / "values.csv"
    path.write_bytes(text.encode())
    assert not csv_lines.records_are_lines(path)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.csv")), ids=lambda p: p.name)
def test_every_corpus_file_reads_the_same_both_ways(path, monkeypatch):
    monkeypatch.setattr(csv_lines, "_BLOCK_CHARS", 50)
    fast = outcome(lambda: csv_file.concat_tables(csv_file.iter_csv_table(path, local_drop.REQUIRED, 3)))
    assert fast == outcome(lambda: row_by_row(path))


CELLS = st.sampled_from(
    [
        "",
        " ",
        "x",
        "E05000001",
        "2021",
        "Persons",
        "1,5",
        '"q"',
        '"a,b"',
        '"say ""hi"""',
        "\xa0",
        "\x1c",
        "\t",
        "area_code",
        "AREA_CODE ",
        "value",
        "£3",
        "–",
        "\ufeff",  # a byte-order mark, which Arrow's CSV reader drops at the start of its input
        "\ufeffE05000002",
    ]
)


REPEATED_HEADERS = st.sampled_from(
    [
        ["AREA_CODE ", "period", " Sex", "VALUE"],
        [" area_code", "period", "sex", "value"],
        ["area_code", "period", "sex", "value", ""],
        ["area_code", "period", "sex"],
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.one_of(st.lists(CELLS, min_size=0, max_size=6), REPEATED_HEADERS), max_size=12),
    line_end=st.sampled_from(["\n", "\r\n"]),
    final_line_end=st.booleans(),
    block_chars=st.sampled_from([3, 40]),
    chunk_rows=st.sampled_from([1, 4, 1000]),
)
def test_any_file_of_one_line_records_reads_the_same_both_ways(
    tmp_path_factory, rows, line_end, final_line_end, block_chars, chunk_rows
):
    lines = [HEADER] + [",".join(row) for row in rows]
    text = line_end.join(lines) + (line_end if final_line_end else "")
    path = tmp_path_factory.mktemp("csv") / "values.csv"
    path.write_bytes(text.encode("utf-8"))
    if not csv_lines.records_are_lines(path):
        return
    original = csv_lines._BLOCK_CHARS
    csv_lines._BLOCK_CHARS = block_chars
    try:
        fast = outcome(lambda: csv_file.concat_tables(csv_file.iter_csv_table(path, local_drop.REQUIRED, chunk_rows)))
    finally:
        csv_lines._BLOCK_CHARS = original
    assert fast == outcome(lambda: row_by_row(path, chunk_rows=chunk_rows))


def test_a_byte_order_mark_that_starts_a_line_below_the_header_is_kept_as_text(tmp_path):
    """The csv module keeps it as the first cell's first character; Arrow's CSV reader would drop it at
    the start of its input, so such a line is not read as a plain one."""
    path = tmp_path / "values.csv"
    path.write_bytes(f"{HEADER}\n\ufeffE05000001,2021,Persons,1\nE05000002,2021,Persons,2\n".encode())
    assert csv_lines.records_are_lines(path)
    fast = outcome(lambda: csv_file.concat_tables(csv_file.iter_csv_table(path, local_drop.REQUIRED, 1000)))
    assert fast == outcome(lambda: row_by_row(path))
    assert fast[0]["area_code"] == ["\ufeffE05000001", "E05000002"]
