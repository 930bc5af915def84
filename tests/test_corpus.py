"""The corpus of awkward and bad files people really send (tests/fixtures/corpus/): each gives its
documented outcome through `fsot ingest local`, and every row is accounted for:
rows_read = rows_loaded + rows_quarantined."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import tiny_project
from pipeline.cli import cli
from pipeline.config import load_config

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow

CORPUS = Path(__file__).parent / "fixtures" / "corpus"

# file, exit code, rows read, loaded, quarantined, what the output must say
CASES = [
    ("01_utf8_with_bom.csv", 0, 3, 3, 0, "landed"),
    ("02_utf8_without_bom.csv", 0, 3, 3, 0, "landed"),
    ("03_cp1252_pound_and_en_dash.csv", 0, 2, 2, 0, "landed"),
    ("04_ons_preamble_and_footnotes.csv", 0, 3, 3, 0, "landed"),
    ("05_thousands_separators.csv", 0, 2, 2, 0, "landed"),
    ("06_suppression_markers.csv", 0, 6, 6, 0, "landed"),
    ("07_trailing_blank_lines.csv", 0, 3, 3, 0, "landed"),
    ("08_duplicated_header_rows.csv", 0, 3, 3, 0, "landed"),
    ("09_text_in_numeric_column.csv", 0, 4, 3, 1, "value_is_a_number"),
    ("10_ci_not_containing_value.csv", 0, 4, 3, 1, "ci_contains_value_lower"),
    ("11_count_over_denominator.csv", 0, 4, 3, 1, "count_within_denominator"),
    ("12_malformed_area_code.csv", 0, 4, 3, 1, "area_code_valid"),
    ("13_ward_not_in_lookup.csv", 0, 4, 3, 1, "area_in_lookup"),
    ("14_unknown_sex.csv", 0, 4, 3, 1, "sex_known"),
    ("15_period_not_parsing.csv", 0, 4, 3, 1, "period_parses"),
    ("16_duplicate_keys.csv", 0, 4, 2, 2, "no_duplicate_rows"),
    ("17_implausible_percentage.csv", 0, 4, 3, 1, "value_plausible"),
    ("18_ragged_row.csv", 0, 4, 3, 1, "fields_match_header"),
    ("19_empty.csv", 2, None, 0, None, "19_empty.csv: the file is empty"),
    ("20_header_only.csv", 2, None, 0, None, "has a header but no data rows"),
    ("21_wrong_header.csv", 2, None, 0, None, "line 1 (header): no row has the column(s) 'area_code'"),
    ("22_undecodable_bytes.csv", 2, None, 0, None, "cannot be decoded as UTF-8 or Windows-1252"),
    ("23_unclosed_quote.csv", 2, None, 0, None, "line 2: unexpected end of data; check that line for a quote"),
    ("24_every_row_bad.csv", 2, None, 0, None, "no row passed the checks (2 quarantined)"),
    ("25_mixed_good_and_bad.csv", 0, 6, 3, 3, "count_within_denominator"),
    ("26_xlsx_title_row_and_merged_header.xlsx", 0, 3, 3, 0, "landed"),
    ("27_not_really_xlsx.xlsx", 2, None, 0, None, "cannot be opened as an Excel workbook"),
    ("28_unsupported_format.json", 2, None, 0, None, "'.json' files are not read"),
]


@pytest.fixture()
def project(tmp_path):
    config_path = tiny_project.write(tmp_path)
    result = CliRunner().invoke(cli, ["ingest", "--config", str(config_path)])
    assert result.exit_code == 0, result.output
    return config_path


def ingest_local(config_path, path, indicator="LOCAL-TA"):
    result = CliRunner().invoke(
        cli, ["ingest", "local", str(path), "--indicator", indicator, "--config", str(config_path)]
    )
    last = [line for line in result.stdout.splitlines() if line.startswith("{")][-1]
    return result, json.loads(last)


def test_the_corpus_has_at_least_25_files():
    assert len(list(CORPUS.iterdir())) >= 25
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(c[0] for c in CASES)


@pytest.mark.parametrize("name, exit_code, read, loaded, quarantined, says", CASES, ids=[c[0] for c in CASES])
def test_each_file_gives_its_documented_outcome(project, name, exit_code, read, loaded, quarantined, says):
    result, summary = ingest_local(project, CORPUS / name)
    assert result.exit_code == exit_code, result.output
    assert summary["file"] == str(CORPUS / name) or summary["file"].endswith(name)
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_quarantined"]) == (read, loaded, quarantined)
    if read is not None:
        assert summary["rows_read"] == summary["rows_loaded"] + summary["rows_quarantined"]
    assert says in " ".join(result.output.split()), result.output
    if exit_code == 2:
        errors = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and str(CORPUS) in errors[0] or "indicator" in errors[0]
        local = load_config(project).raw_dir / "local"
        landed = list(local.rglob("*")) if local.exists() else []
        assert not [p for p in landed if p.is_file()], "a file that could not be loaded must not be landed"


def test_undeclared_and_published_indicators_are_refused(project):
    result, _ = ingest_local(project, CORPUS / "01_utf8_with_bom.csv", indicator="NOPE")
    assert result.exit_code == 2 and "indicator 'NOPE' is not declared" in result.output
    result, _ = ingest_local(project, CORPUS / "01_utf8_with_bom.csv", indicator="93097")
    assert result.exit_code == 2 and "takes its values from source 'fingertips'" in result.output


def test_each_new_drop_supersedes_the_last_and_adding_a_value_twice_is_refused_at_once(project):
    for name in ("06_suppression_markers.csv", "25_mixed_good_and_bad.csv"):
        result, _ = ingest_local(project, CORPUS / name)
        assert result.exit_code == 0
    result = CliRunner().invoke(cli, ["build", "--config", str(project)])
    assert result.exit_code == 0, result.output  # 25 superseded 06: nothing is given twice
    # 06 and 25 both give E05000001/2021/22/Persons: adding 06 beside 25 is refused, naming the key
    again = CliRunner().invoke(
        cli,
        [
            "ingest",
            "local",
            str(CORPUS / "06_suppression_markers.csv"),
            "--indicator",
            "LOCAL-TA",
            "--add",
            "--config",
            str(project),
        ],
    )
    assert again.exit_code == 2
    flat = " ".join(again.output.split())
    assert "already given by a current drop of LOCAL-TA (e.g. E05000001 / Persons / 2021/22" in flat


def test_build_quarantines_bad_rows_of_local_drops_and_keeps_notes(project):
    for name in ("06_suppression_markers.csv",):
        assert ingest_local(project, CORPUS / name)[0].exit_code == 0
    result = CliRunner().invoke(cli, ["build", "--config", str(project)])
    assert result.exit_code == 0, result.output
    config = load_config(project)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    rows = con.execute(
        "select ward_code, value, value_note from marts.fct_ward_indicator "
        "where indicator_id = 'LOCAL-TA' order by ward_code"
    ).fetchall()
    con.close()
    assert [r[1] for r in rows] == [None] * 6
    assert rows[0][2] == 'Suppressed in source (marker "*")' and rows[2][2] == 'Suppressed in source (marker "..")'


def test_a_source_file_that_cannot_be_read_stops_that_source_and_the_others_are_still_checked(tmp_path):
    config_path = tiny_project.write(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", "--config", str(config_path)]).exit_code == 0
    config = load_config(config_path)
    assert runner.invoke(cli, ["build", "--config", str(config_path)]).exit_code == 0
    before = config.warehouse_path.read_bytes()
    landed = next((config.raw_dir / "fingertips").rglob("*.csv"))
    landed.chmod(0o644)
    landed.write_text("not,a,fingertips,file\n")
    result = runner.invoke(cli, ["build", "--config", str(config_path)])
    assert result.exit_code == 2
    assert "changed since it was landed" in result.output  # raw files are immutable: caught first
    assert config.warehouse_path.read_bytes() == before
    report = sorted((config.reports_dir / "validation").glob("*.html"))[-1].read_text()
    assert "File_7_tiny.csv" in report and "LSOA_to_Ward_tiny.csv" in report


def test_the_validation_report_lists_each_expectation_with_failures_and_examples(project):
    assert ingest_local(project, CORPUS / "25_mixed_good_and_bad.csv")[0].exit_code == 0
    result = CliRunner().invoke(cli, ["build", "--config", str(project)])
    assert result.exit_code == 0, result.output
    assert "quarantined 1 row(s) of local_indicator_value: value_is_a_number" in " ".join(result.output.split())
    config = load_config(project)
    report = sorted((config.reports_dir / "validation").glob("*.html"))[-1].read_text()
    assert report.count("<tr>") > 30  # every expectation of every source and every SQL test has a row
    assert "value_is_a_number" in report and "FAIL" in report and "&#39;_line&#39;: &#39;4&#39;" in report
    assert "assert_staged_rows_complete" in report and "no_duplicate_rows" in report
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    held = con.execute("select _line, _checks from quarantine.local_indicator_value order by _line").fetchall()
    con.close()
    assert held == [(4, "value_is_a_number"), (5, "ci_contains_value_upper"), (6, "count_within_denominator")]
