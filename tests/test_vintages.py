"""Ward vintages: settings checked when fsot.toml is read, partial coverage flagged (never silently
ranked), and a uniqueness test on every table with a key."""

from __future__ import annotations

import duckdb
import pytest

import tiny_project
from pipeline.config import ConfigError, load_config
from pipeline.warehouse.build import build_warehouse
from pipeline.warehouse.registry import ModelError
from pipeline.warehouse.runner import run_tests

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow

VINTAGE = """
[[ward_vintages]]
id = "WD19"
lookup = "wards"
deprivation = "imd2019"
population = ["imd2019"]
"""


def test_a_ward_with_a_quarantined_lsoa_is_ranked_on_part_of_its_population_and_flagged(tmp_path):
    config_path = tiny_project.write(tmp_path)
    file7 = tmp_path / "inbox" / "File_7_tiny.csv"
    lines = file7.read_text().splitlines(keepends=True)
    bad = next(i for i, line in enumerate(lines) if line.startswith("E01000001,"))
    lines[bad] = lines[bad].replace(",60.000,", ",n/a,", 1)  # the IMD score of B01's first LSOA
    file7.write_text("".join(lines))
    config = load_config(config_path)
    from pipeline.ingest.landing import land_source

    for source in config.sources:
        land_source(config, source)
    build_warehouse(config)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    row = con.execute(
        "select lsoa_count, lsoas_with_score, score_population_share, imd_score, deprivation_note, "
        "national_rank from intermediate.int_ward_deprivation "
        "where ward_code = 'E05000001'"
    ).fetchall()[0]
    quarantined = con.execute("select lsoa_code, _checks from quarantine.imd_lsoa").fetchall()
    con.close()
    assert quarantined == [("E01000001", "imd_score_is_a_number; score_present")]
    # the quarantined LSOA's population is unknown too: it counts as the ward's average LSOA (3,000)
    assert row[:4] == (2, 1, pytest.approx(0.5), pytest.approx(40.0))
    assert row[4] == "partial coverage: score from 1 of 2 LSOAs (50.0% of the ward's population)"
    assert row[5] is not None


def test_two_lookups_need_ward_vintages_saying_which_go_together(tmp_path):
    config_path = tiny_project.write(tmp_path)
    text = (
        config_path.read_text()
        + """
[[sources]]
id = "wards_2024"
format = "ons_lsoa_ward_lookup"
files = ["inbox/LSOA_to_Ward_tiny.csv"]
publisher = "ONS"
release = "2024"
licence = "Open Government Licence v3.0"
"""
    )
    config_path.write_text(text)
    with pytest.raises(ConfigError, match=r"2 ward lookup\(s\) and 1 deprivation source\(s\).*\[\[ward_vintages\]\]"):
        load_config(config_path)
    config_path.write_text(text + VINTAGE.replace('lookup = "wards"', 'lookup = "imd2019"'))
    with pytest.raises(ConfigError, match="lookup = 'imd2019' is not the id of a .*ons_lsoa_ward_lookup"):
        load_config(config_path)
    config_path.write_text(text + VINTAGE + VINTAGE.replace('"WD19"', '"WD24"').replace('"wards"', '"wards_2024"'))
    with pytest.raises(ConfigError, match="ward_vintage '\\(not set\\)' is not the id .*\\['WD19', 'WD24'\\]"):
        load_config(config_path)


def test_counts_indicators_name_their_numerator_and_are_percentages(tmp_path):
    config_path = tiny_project.write(tmp_path)
    counts = """
[[sources]]
id = "census"
format = "area_counts"
files = ["inbox/census.csv"]
columns = { area = "lsoa21_code", category = "tenure", count = "n" }
period = "2021"
publisher = "ONS"
release = "Census 2021"
licence = "Open Government Licence v3.0"

[[indicators]]
id = "social"
name = "Social renting"
theme = "housing"
unit = "%"
polarity = "lower-is-better"
source = "census"
baseline_period = "2021"
"""
    config_path.write_text(config_path.read_text() + counts)
    with pytest.raises(ConfigError, match="list the categories counted in the numerator"):
        load_config(config_path)
    config_path.write_text(
        config_path.read_text()
        .replace('source = "census"', 'source = "census"\nnumerator = ["x"]')
        .replace(
            'unit = "%"\npolarity = "lower-is-better"\nsource = "census"',
            'unit = "rate"\npolarity = "lower-is-better"\nsource = "census"',
        )
    )
    with pytest.raises(ConfigError, match='write unit = "%"'):
        load_config(config_path)
    config_path.write_text(config_path.read_text().replace('\nperiod = "2021"\n', "\n"))
    with pytest.raises(ConfigError, match="give the period the counts describe"):
        load_config(config_path)


def test_every_table_with_a_key_is_checked_for_repeated_keys(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "data_dictionary.toml").write_text(
        '["marts.fct_x"]\ndescription = "x"\nkey = ["a", "b"]\n\n["marts.fct_x".columns]\na = "a"\nb = "b"\n'
    )
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.fct_x as select * from (values (1, 'p'), (1, 'q')) as t(a, b)")
    assert [(t["test"], t["offending_rows"]) for t in run_tests(con, tmp_path)] == [("unique_marts_fct_x", 0)]
    con.execute("insert into marts.fct_x values (1, 'q')")
    with pytest.raises(ModelError, match=r"unique_marts_fct_x: 1 key\(s\) occur more than once"):
        run_tests(con, tmp_path)
