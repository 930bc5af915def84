"""Each connector's reader on a tiny fixture of its publisher's format, and on the real extracts in
../shared/reference/real when they are present."""

from __future__ import annotations

from pathlib import Path

import pytest

import tiny_project
from pipeline.ingest import deprivation, fingertips, reader_for, ward_lookup
from pipeline.ingest.csv_file import SourceFileError, read_csv_table

FIXTURES = Path(__file__).parent / "fixtures"


def test_file7_gives_one_row_per_lsoa_with_values_as_delivered(tmp_path):
    path = tmp_path / "File_7.csv"
    path.write_bytes(tiny_project.file7())
    frame = deprivation.read([path])
    assert len(frame) == 19
    first = frame.set_index("lsoa_code").loc["E01000001"]
    assert first["imd_score"] == "60.000"
    assert first["population"] == "1000"
    assert first["la_code"] == "E06000004"
    assert first["lsoa_vintage"] == "2011"
    assert first["_line"] == 2


def test_files_1_5_6_combine_on_lsoa_code_whatever_their_order(tmp_path):
    paths = [FIXTURES / "deprivation" / f"File_{n}_tiny.csv" for n in (6, 1, 5)]
    frame = deprivation.read(paths).set_index("lsoa_code")
    assert list(frame.index) == ["E01000003", "E01000001", "E01000002"]  # the scores file leads
    row = frame.loc["E01000001"]
    assert (row["imd_score"], row["imd_rank"], row["imd_decile"], row["population"]) == (
        "6.208",
        "29,199",
        "9",
        "1,296",
    )
    assert row["_file"] == "File_5_tiny.csv" and row["_line"] == 3
    assert frame.loc["E01000003", "population"] == "980"  # after a blank line in File 6


def test_deprivation_without_scores_is_refused_with_every_accepted_combination(tmp_path):
    with pytest.raises(SourceFileError, match="File 7 alone.*File 5.*File 6.*imd2019_lsoa11_scores.*IoD2025"):
        deprivation.read([FIXTURES / "deprivation" / "File_6_tiny.csv"])


def test_deprivation_without_population_is_read_and_its_scores_kept():
    """Scores alone are a deprivation source; the build asks for weights only where the source is a
    ward vintage's population source (tests/test_vintages.py)."""
    frame = deprivation.read([FIXTURES / "deprivation" / "File_5_tiny.csv"])
    assert frame["imd_score"].notna().all() and frame["population"].isna().all()


def test_deprivation_files_with_different_lsoas_are_refused(tmp_path):
    short = tmp_path / "File_6_short.csv"
    lines = (FIXTURES / "deprivation" / "File_6_tiny.csv").read_bytes().splitlines(keepends=True)
    short.write_bytes(b"".join(lines[:2]))
    with pytest.raises(SourceFileError, match="LSOA sets differ"):
        deprivation.read([FIXTURES / "deprivation" / "File_5_tiny.csv", short])


def test_ons_lookup_keeps_codes_names_and_vintages(tmp_path):
    path = tmp_path / "lookup.csv"
    path.write_bytes(tiny_project.lookup())
    frame = ward_lookup.read([path])
    assert len(frame) == 19
    row = frame.iloc[0]
    assert (row["lsoa_code"], row["ward_code"], row["ward_name"], row["la_code"]) == (
        "E01000001",
        "E05000001",
        "B01",
        "E06000004",
    )
    assert (row["lsoa_vintage"], row["ward_vintage"], row["la_vintage"]) == ("2011", "WD19", "2019")


def test_lookup_without_a_ward_column_names_what_is_missing(tmp_path):
    path = tmp_path / "not_a_lookup.csv"
    path.write_text("LSOA11CD,MSOA11CD\nE01000001,E02000001\n")
    with pytest.raises(SourceFileError, match="line 1 \\(header\\): no row has the LSOA code and ward code columns"):
        ward_lookup.read([path])


def test_fingertips_keeps_suppressed_values_empty_with_their_notes():
    frame = fingertips.read([FIXTURES / "fingertips" / "fingertips_suppressed.csv"])
    assert len(frame) == 5
    assert len(frame.columns) == 31  # the 27 published columns + _file, _line, _fields, _width
    suppressed = frame[frame["area_code"] == "E05900001"].iloc[0]
    assert suppressed["value"] == "" and suppressed["lower_ci_95_limit"] == ""
    assert suppressed["value_note"] == "Value suppressed for disclosure control due to small count"
    assert frame.loc[0, "count"] == "1,234,567"
    assert frame.loc[2, "denominator"] == "4015.25"
    assert frame.loc[4, "category"] == "Most deprived decile (IMD2019)"
    assert list(frame["_line"]) == [2, 3, 4, 5, 6]


def test_fingertips_without_required_columns_is_refused(tmp_path):
    path = tmp_path / "not_fingertips.csv"
    path.write_text("Indicator ID,Area Code,Value\n1,E1,2\n")
    with pytest.raises(SourceFileError, match="'Indicator Name'"):
        fingertips.read([path])


def test_csv_reader_reports_physical_lines_and_reads_cp1252(tmp_path):
    path = tmp_path / "council.csv"
    path.write_bytes("area,note\r\n\r\nE1,\u00a3 5 \u2013 rent\r\n".encode("cp1252"))
    table = read_csv_table(path)
    assert table.encoding == "cp1252"
    assert table.frame.loc[0, "note"] == "\u00a3 5 \u2013 rent"
    assert table.frame.loc[0, "_line"] == 3


def test_csv_reader_keeps_a_ragged_row_with_its_field_count_for_quarantine(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n3,4,5\n6,7,\n")
    frame = read_csv_table(path).frame
    assert list(frame["_line"]) == [2, 3, 4]
    assert list(frame["_fields"]) == [2, 3, 2]  # a trailing empty cell is not an extra field
    assert list(frame["a"]) == ["1", "3", "6"]


def test_csv_reader_skips_preamble_footnotes_and_repeated_headers_and_says_so(tmp_path):
    path = tmp_path / "ons_style.csv"
    path.write_text(
        "Table 1: wards\nSource: ONS\n\nLSOA11CD,WD19CD\nE01000001,E05000001\n"
        "LSOA11CD,WD19CD\nE01000002,E05000002\n\nNotes:,\n1. Provisional,\n"
    )
    table = read_csv_table(path, ["LSOA11CD", "WD19CD"])
    assert table.header_line == 4
    assert list(table.frame["_line"]) == [5, 7]
    assert table.skipped == [
        (1, "preamble above the header"),
        (2, "preamble above the header"),
        (6, "repeated header"),
        (9, "footnote below the data"),
        (10, "footnote below the data"),
    ]


def test_csv_reader_refuses_an_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("\n\n")
    with pytest.raises(SourceFileError, match="empty.csv: the file is empty"):
        read_csv_table(path)


def test_unknown_format_lists_the_known_ones():
    with pytest.raises(ValueError, match="fingertips_csv"):
        reader_for("spreadsheet_of_doom")


# --- real public extracts (skipped when ../shared is absent) -------------------------------------


def test_real_imd2019_files_1_5_6_as_published(shared_reference):
    real = shared_reference / "real"
    frame = deprivation.read(
        [
            real / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv",
            real / "File_6_-_IoD2019_Population_Denominators.csv",
            real / "imd2019_lsoa11_scores.csv",
        ]
    )
    assert len(frame) == 32844
    row = frame.set_index("lsoa_code").loc["E01000001"]
    assert (row["imd_rank"], row["population"], row["imd_score"]) == ("29,199", "1,296", "6.208")


def test_real_lookups_of_two_vintages(shared_reference):
    real = shared_reference / "real"
    old = ward_lookup.read([real / "lookup_lsoa11_ward17.csv"])
    assert set(old["ward_vintage"]) == {"WD17"} and old["ward_name"].isna().all()
    new = ward_lookup.read([real / "lookup_lsoa21_ward24_ltla24.csv"])
    assert set(new["ward_vintage"]) == {"WD24"} and set(new["lsoa_vintage"]) == {"2021"}
    stockton = new[new["la_code"] == "E06000004"]
    assert stockton["ward_code"].nunique() >= 26


def test_real_fingertips_export_byte_for_byte(shared_reference):
    frame = fingertips.read([shared_reference / "real" / "fingertips_export_91547_smoking_prevalence_qof.csv"])
    assert len(frame) == 11360
    assert set(frame["indicator_id"]) == {"91547"}
    assert "E06000004" in set(frame["area_code"])
    assert frame["column_not_used"].notna().all()
    assert (frame["category_type"] != "").sum() > 0
