"""The exports for Power BI and Excel: every mart as CSV, Parquet and a workbook sheet, described field by
field, with formula-like text neutralised in what a spreadsheet opens and exact values in Parquet."""

from __future__ import annotations

import csv
import math
from datetime import date, datetime

import duckdb
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tiny_project
from pipeline.config import SQL_DIR
from pipeline.report import exports, queries
from pipeline.report.exports import ExportError, neutralise_formula, sheet_names, write_exports
from pipeline.warehouse.build import build_warehouse

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow

NON_ASCII = 'Ñewton & "Quotes", Ward'
# name, score, n, active, seen
PEOPLE = [
    ("=1+1", -3.2, 1, True, date(2024, 1, 31)),
    ("+44 20", 0.5, None, False, None),
    ("-x", None, -7, None, date(2021, 3, 1)),
    ("@SUM(A1)", -0.0001, 3, True, date(2020, 2, 29)),
    ("\tcmd", 1.0, 4, False, date(2024, 1, 31)),
    ("\rcmd", -2.5, 5, True, date(2024, 1, 31)),
    (NON_ASCII, 2.25, 0, False, date(2024, 1, 31)),
    (None, -1e-07, 9, True, date(2024, 1, 31)),
]
AREAS = [("007", 1200), ("E05000001", -5)]
DECILES = [("national decile", -3.2), ("=cmd|' /C calc'!A0", None)]
LONG_TABLE = "fct_gap_measure_by_national_decile"  # 34 characters: too long for a sheet name

DICTIONARY = """
["marts.fct_people"]
description = "People of the test."
grain = "one row per person"
source = "sql/marts/fct_people.sql"

["marts.fct_people".columns]
name = "Name of the person."
score = "Score, negative when worse."
n = "+1 for each visit"
active = "True when active."
seen = "Date last seen."

["marts.dim_area"]
description = "Areas."
grain = "one row per area"
source = "sql/marts/dim_area.sql"

["marts.dim_area".columns]
area_code = "Code of the area, kept as text."
population = "People living there."

["marts.fct_gap_measure_by_national_decile"]
description = "Gaps."
grain = "one row per grouping"
source = "pipeline/warehouse/python_models.py (gaps)"

["marts.fct_gap_measure_by_national_decile".columns]
grouping = "The grouping."
gap = "The gap."

["intermediate.int_hidden".columns]
x = "Not a mart: never exported."
"""

EXPECTED_DICTIONARY = [
    ["dim_area", "area_code", "VARCHAR", "Code of the area, kept as text.", "sql/marts/dim_area.sql"],
    ["dim_area", "population", "BIGINT", "People living there.", "sql/marts/dim_area.sql"],
    [LONG_TABLE, "grouping", "VARCHAR", "The grouping.", "pipeline/warehouse/python_models.py (gaps)"],
    [LONG_TABLE, "gap", "DOUBLE", "The gap.", "pipeline/warehouse/python_models.py (gaps)"],
    ["fct_people", "name", "VARCHAR", "Name of the person.", "sql/marts/fct_people.sql"],
    ["fct_people", "score", "DOUBLE", "Score, negative when worse.", "sql/marts/fct_people.sql"],
    ["fct_people", "n", "INTEGER", "'+1 for each visit", "sql/marts/fct_people.sql"],  # text: neutralised
    ["fct_people", "active", "BOOLEAN", "True when active.", "sql/marts/fct_people.sql"],
    ["fct_people", "seen", "DATE", "Date last seen.", "sql/marts/fct_people.sql"],
]


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute("create schema marts")
    connection.execute("create schema intermediate")
    connection.execute(
        "create table marts.fct_people (name varchar, score double, n integer, active boolean, seen date)"
    )
    connection.executemany("insert into marts.fct_people values (?, ?, ?, ?, ?)", PEOPLE)
    connection.execute("create table marts.dim_area (area_code varchar, population bigint)")
    connection.executemany("insert into marts.dim_area values (?, ?)", AREAS)
    connection.execute(f"create table marts.{LONG_TABLE} (grouping varchar, gap double)")
    connection.executemany(f"insert into marts.{LONG_TABLE} values (?, ?)", DECILES)
    connection.execute("create table intermediate.int_hidden as select 1 as x")
    connection.execute("create table main.not_a_mart as select 1 as y")
    yield connection
    connection.close()


@pytest.fixture
def dictionary(tmp_path):
    path = tmp_path / "data_dictionary.toml"
    path.write_text(DICTIONARY, encoding="utf-8")
    return path


@pytest.fixture
def exported(con, dictionary, tmp_path):
    out = tmp_path / "exports"
    return out, write_exports(con, out, dictionary)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        (NON_ASCII, NON_ASCII),
        ("a=b", "a=b"),
        (" =x", " =x"),
        ("", ""),
    ],
)
def test_neutralise_formula_prefixes_only_text_that_starts_like_a_formula(text, expected):
    assert neutralise_formula(text) == expected


def test_every_mart_and_nothing_else_is_written(exported):
    out, paths = exported
    assert [p.name for p in paths] == [
        "dim_area.csv",
        "dim_area.parquet",
        f"{LONG_TABLE}.csv",
        f"{LONG_TABLE}.parquet",
        "fct_people.csv",
        "fct_people.parquet",
        "data_dictionary.csv",
        "fsot_marts.xlsx",
        "provenance.json",
    ]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)


def test_csv_bytes_are_utf8_with_bom_rfc4180_iso_dates_and_neutralised_text(exported):
    out, _ = exported
    assert (out / "fct_people.csv").read_bytes() == (
        "\ufeffname,score,n,active,seen\r\n"
        "'=1+1,-3.2,1,TRUE,2024-01-31\r\n"
        "'+44 20,0.5,,FALSE,\r\n"
        "'-x,,-7,,2021-03-01\r\n"
        "'@SUM(A1),-0.0001,3,TRUE,2020-02-29\r\n"
        "'\tcmd,1.0,4,FALSE,2024-01-31\r\n"
        '"\'\rcmd",-2.5,5,TRUE,2024-01-31\r\n'
        '"Ñewton & ""Quotes"", Ward",2.25,0,FALSE,2024-01-31\r\n'
        ",-1e-07,9,TRUE,2024-01-31\r\n"
    ).encode("utf-8")
    assert (out / f"{LONG_TABLE}.csv").read_bytes() == (
        "\ufeffgrouping,gap\r\nnational decile,-3.2\r\n'=cmd|' /C calc'!A0,\r\n"
    ).encode("utf-8")


def test_csv_round_trips_through_pandas(exported):
    out, _ = exported
    people = pd.read_csv(out / "fct_people.csv", encoding="utf-8-sig")
    assert list(people.columns) == ["name", "score", "n", "active", "seen"]  # no index column
    names = [None if pd.isna(v) else v for v in people["name"]]
    assert names == ["'=1+1", "'+44 20", "'-x", "'@SUM(A1)", "'\tcmd", "'\rcmd", NON_ASCII, None]
    assert people["score"].dtype == "float64"
    scores = [None if math.isnan(v) else v for v in people["score"]]
    assert scores == [-3.2, 0.5, None, -0.0001, 1.0, -2.5, 2.25, -1e-07]
    assert [None if pd.isna(v) else int(v) for v in people["n"]] == [1, None, -7, 3, 4, 5, 0, 9]
    assert [None if pd.isna(v) else bool(v) for v in people["active"]] == [
        True,
        False,
        None,
        True,
        False,
        True,
        False,
        True,
    ]
    assert [None if pd.isna(v) else v for v in people["seen"]] == [
        "2024-01-31",
        None,
        "2021-03-01",
        "2020-02-29",
        "2024-01-31",
        "2024-01-31",
        "2024-01-31",
        "2024-01-31",
    ]
    areas = pd.read_csv(out / "dim_area.csv", encoding="utf-8-sig", dtype={"area_code": str})
    assert areas.to_dict("list") == {"area_code": ["007", "E05000001"], "population": [1200, -5]}


def test_workbook_has_readme_a_sheet_per_mart_and_the_dictionary(exported):
    out, _ = exported
    workbook = openpyxl.load_workbook(out / "fsot_marts.xlsx")
    assert workbook.sheetnames == [
        "README",
        "dim_area",
        "gap_measure_by_national_decile",
        "fct_people",
        "data_dictionary",
        "about",
    ]
    readme = workbook["README"]
    assert readme["A1"].value == "fsot marts for Excel and Power BI"
    listed = [row for row in readme.iter_rows(values_only=True) if row[1] in ("dim_area", LONG_TABLE, "fct_people")]
    assert [row[:3] for row in listed] == [
        ("dim_area", "dim_area", 2),
        ("gap_measure_by_national_decile", LONG_TABLE, 2),
        ("fct_people", "fct_people", 8),
    ]
    for sheet in workbook.worksheets[1:]:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])


def test_workbook_cells_keep_their_types_and_text_is_neutralised(exported):
    out, _ = exported
    sheet = openpyxl.load_workbook(out / "fsot_marts.xlsx")["fct_people"]
    assert [c.value for c in sheet[1]] == ["name", "score", "n", "active", "seen"]
    names = [row[0] for row in sheet.iter_rows(min_row=2)]
    # XML turns a carriage return inside text into a line feed; the prefix is there all the same
    assert [c.value for c in names] == ["'=1+1", "'+44 20", "'-x", "'@SUM(A1)", "'\tcmd", "'\ncmd", NON_ASCII, None]
    assert all(c.data_type == "s" for c in names[:-1])
    scores = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in scores] == [-3.2, 0.5, None, -0.0001, 1, -2.5, 2.25, -1e-07]
    assert all(c.data_type == "n" for c in scores)
    assert [c.value for c in sheet["C"][1:]] == [1, None, -7, 3, 4, 5, 0, 9]
    assert all(c.data_type == "n" for c in sheet["C"][1:])
    active = sheet["D"][1:]
    assert [c.value for c in active] == [True, False, None, True, False, True, False, True]
    assert [c.data_type for c in active] == ["b", "b", "n", "b", "b", "b", "b", "b"]  # empty cells read as "n"
    seen = sheet["E"][1:]
    assert seen[0].is_date and seen[0].value == datetime(2024, 1, 31)
    assert seen[1].value is None
    assert sheet.column_dimensions["A"].width == len(NON_ASCII) + 2
    areas = openpyxl.load_workbook(out / "fsot_marts.xlsx")["dim_area"]
    assert (areas["A2"].value, areas["A2"].data_type) == ("007", "s")  # a code stays text, leading zeros kept
    assert (areas["B3"].value, areas["B3"].data_type) == (-5, "n")


def test_parquet_keeps_exact_values_and_types(exported):
    out, _ = exported
    people = pq.read_table(out / "fct_people.parquet")
    assert people.schema.names == ["name", "score", "n", "active", "seen"]
    assert people.schema.types == [pa.string(), pa.float64(), pa.int32(), pa.bool_(), pa.date32()]
    assert [tuple(row.values()) for row in people.to_pylist()] == PEOPLE  # "=1+1", "\rcmd" unchanged
    areas = pq.read_table(out / "dim_area.parquet")
    assert areas.schema.types == [pa.string(), pa.int64()]
    assert [tuple(row.values()) for row in areas.to_pylist()] == AREAS


def test_data_dictionary_has_one_row_per_exported_field(exported):
    out, _ = exported
    with (out / "data_dictionary.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["table", "field", "type", "meaning", "source_model"], *EXPECTED_DICTIONARY]
    sheet = openpyxl.load_workbook(out / "fsot_marts.xlsx")["data_dictionary"]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == rows


def test_an_undescribed_column_is_an_error_naming_table_and_column(con, dictionary, tmp_path):
    dictionary.write_text(DICTIONARY.replace('seen = "Date last seen."\n', ""), encoding="utf-8")
    out = tmp_path / "exports"
    with pytest.raises(ExportError) as raised:
        write_exports(con, out, dictionary)
    message = str(raised.value)
    assert "marts.fct_people" in message and "column seen not described" in message
    assert str(dictionary) in message and '["marts.fct_people".columns]' in message
    assert not out.exists()  # checked before anything is written


def test_an_undescribed_table_is_an_error_naming_it(con, dictionary, tmp_path):
    con.execute("create table marts.fct_new as select 1 as k")
    with pytest.raises(ExportError, match=r"table marts\.fct_new is not described in .*data_dictionary\.toml"):
        write_exports(con, tmp_path / "exports", dictionary)


def test_text_an_excel_workbook_cannot_hold_is_an_error_naming_table_row_and_column(con, dictionary, tmp_path):
    con.execute("create table marts.fct_bell (code varchar, label varchar)")
    con.executemany("insert into marts.fct_bell values (?, ?)", [("a", "fine"), ("b", "ring\x07")])
    dictionary.write_text(
        DICTIONARY + '["marts.fct_bell"]\nsource = "s"\n["marts.fct_bell".columns]\ncode = "Code."\nlabel = "Label."\n',
        encoding="utf-8",
    )
    with pytest.raises(ExportError, match=r"marts\.fct_bell, row 2, column label: text with a control character"):
        write_exports(con, tmp_path / "exports", dictionary)


def test_sheet_names_fit_excel_and_are_unique():
    names = sheet_names(["fct_gap", LONG_TABLE, "fct_" + "x" * 40, "fct_" + "x" * 35, "readme", "Data_Dictionary"])
    assert names == {
        "fct_gap": "fct_gap",  # short enough: prefix kept
        LONG_TABLE: "gap_measure_by_national_decile",
        "fct_" + "x" * 40: "x" * 31,
        "fct_" + "x" * 35: "x" * 29 + "~2",
        "readme": "readme~2",
        "Data_Dictionary": "Data_Dictionary~2",
    }


def test_a_mart_too_long_for_a_sheet_is_left_out_of_the_workbook_only(con, dictionary, tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "EXCEL_MAX_ROWS", 4)  # fct_people has 8 rows, the other marts 2
    out = tmp_path / "exports"
    write_exports(con, out, dictionary, notes=["The data are synthetic."])
    workbook = openpyxl.load_workbook(out / "fsot_marts.xlsx")
    assert workbook.sheetnames == ["README", "dim_area", "gap_measure_by_national_decile", "data_dictionary", "about"]
    readme = list(workbook["README"].iter_rows(values_only=True))
    assert ("Note", "The data are synthetic.") in [row[:2] for row in readme]
    [people] = [row for row in readme if row[1] == "fct_people"]
    assert people[0] == "(not in this workbook)" and "use fct_people.csv or fct_people.parquet" in people[3]
    assert len(pd.read_csv(out / "fct_people.csv", encoding="utf-8-sig")) == 8


def test_the_same_warehouse_gives_the_same_bytes(con, dictionary, tmp_path):
    first = write_exports(con, tmp_path / "first", dictionary)
    second = write_exports(con, tmp_path / "second", dictionary)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_the_project_dictionary_describes_every_field_of_the_built_marts(tmp_path):
    config = tiny_project.landed(tmp_path)
    build_warehouse(config)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        built = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by table_name"
            ).fetchall()
        ]
        published = exports.exported_fields(con, exports.read_dictionary(SQL_DIR / "data_dictionary.toml"))
        marts = list(published)
        field_count = sum(len(fields) for fields in published.values())
        # the period sort keys the export adds to marts that have a period but no sort key
        field_count += sum(
            len(keys) for keys in exports.added_period_keys(published, queries.period_keys_available(con)).values()
        )
        paths = write_exports(con, tmp_path / "exports")
    finally:
        con.close()
    assert marts  # the build made marts to export
    # every mart is exported but the report's own dimensions, which the dictionary marks export = false
    assert sorted(set(built) - set(marts)) == [
        "dim_indicator_period",
        "dim_landed_file",
        "dim_source_release",
        "dim_ward_boundary_file",
        "fct_deprivation_group_mean",
        "fct_local_authority_range",
    ]
    assert [p.stem for p in paths if p.suffix == ".csv"] == [*marts, "data_dictionary"]
    assert [p.stem for p in paths if p.suffix == ".parquet"] == marts
    workbook = openpyxl.load_workbook(tmp_path / "exports" / "fsot_marts.xlsx", read_only=True)
    assert workbook.sheetnames == ["README", *sheet_names(marts).values(), "data_dictionary", "about"]
    workbook.close()
    dictionary = pd.read_csv(
        tmp_path / "exports" / "data_dictionary.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    assert len(dictionary) == field_count
    assert sorted(set(dictionary["table"])) == marts
    assert (dictionary["meaning"].str.strip() != "").all()
    assert (dictionary["source_model"].str.strip() != "").all()
