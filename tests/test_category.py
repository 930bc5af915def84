"""Community breakdowns (`category`) go through the same models as the whole population ('All').

The tiny project (tests/tiny_project.py) gets a local drop for LOCAL-TA (unit %, lower is better,
baseline 2021/22) with an 'All' and an 'Ethnic groups: Asian' value for every borough ward, the
borough and England, and a second Fingertips file with 93097 (unemployment, lower is better) by
ethnic group plus ward rows of a deprivation category, which must never reach the models.

Local quintiles of the tiny borough (worked out in tests/test_models.py): most deprived = B02
(population 2000) and B01 (4000); least deprived = B09 (2000) and B10 (2000). Every ward value has
95 % limits value ∓ 1. For a lower-is-better indicator (s = −1) the absolute gap is
m_most − m_least with m = Σ P·v / Σ P.
"""

from __future__ import annotations

import math
import shutil

import duckdb
import pandas as pd
import pytest

import tiny_project
from pipeline.config import SQL_DIR
from pipeline.ingest import local_drop
from pipeline.ingest.landing import land_local
from pipeline.warehouse.build import build_warehouse

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow

Z = 1.959963984540054
CODES = {name: code for code, name, _la, _m in tiny_project.WARDS}
BOROUGH, ENGLAND = tiny_project.BOROUGH, "E92000001"
ASIAN = "Ethnic groups: Asian"
WARD_DEPRIVATION = "Ward deprivation quintiles (IMD2019)"

# LOCAL-TA ward values, 2021/22 (the baseline)
ALL = {"B01": 12, "B02": 15, "B03": 10, "B04": 9, "B05": 8, "B06": 7, "B07": 6, "B08": 5, "B09": 4, "B10": 2}
ASIAN_VALUES = {
    "B01": 20,
    "B02": 26,
    "B03": 13,
    "B04": 12,
    "B05": 11,
    "B06": 10,
    "B07": 9,
    "B08": 8,
    "B09": 5,
    "B10": 7,
}
# 2022/23: 'All' unchanged; the Asian values of the two most deprived wards 3 points higher
ASIAN_LATER = {**ASIAN_VALUES, "B01": 23, "B02": 29}

TARGET = """baseline_period = "2021/22"
targets = [{ measure = "absolute_gap", grouping = "local_quintile", reduction = 0.5, shape = "linear" }]"""
TWO_FINGERTIPS_FILES = 'files = ["inbox/fingertips_tiny.csv", "inbox/fingertips_by_group.csv"]'


def local_rows(with_breakdown: bool):
    """Rows of the local drop: (area code, period, value, category type, category)."""
    rows = []
    for period, asian in (("2021/22", ASIAN_VALUES), ("2022/23", ASIAN_LATER)):
        rows += [(CODES[w], period, v, "", "") for w, v in ALL.items()]
        rows += [(BOROUGH, period, 8, "", ""), (ENGLAND, period, 6, "", "")]
        if with_breakdown:
            rows += [(CODES[w], period, v, "Ethnic groups", "Asian") for w, v in asian.items()]
            rows += [(BOROUGH, period, 12, "Ethnic groups", "Asian"), (ENGLAND, period, 8, "Ethnic groups", "Asian")]
    return rows


def write_local_drop(path, with_breakdown: bool):
    lines = []
    for code, period, value, category_type, category in local_rows(with_breakdown):
        limit = 1 if code.startswith("E05") else 0.5
        cells = [code, period, "Persons", f"{value}", f"{value - limit}", f"{value + limit}"]
        lines.append(",".join(cells + ([category_type, category] if with_breakdown else [])))
    header = "area_code,period,sex,value,lower_ci,upper_ci" + (",Category Type,Category" if with_breakdown else "")
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


# 93097 by ethnic group (Fingertips "Category Type" = "Ethnic groups"); the tiny project's 'All'
# values are tiny_project.UNEMPLOYMENT (gap 8.6667 − 1.5 = 7.1667).
UNEMPLOYMENT_ASIAN = {
    "B01": 12,
    "B02": 15,
    "B03": 9,
    "B04": 8,
    "B05": 7,
    "B06": 6,
    "B07": 5,
    "B08": 4,
    "B09": 4,
    "B10": 2,
}


def fingertips_by_group() -> bytes:
    rows = []
    for ward, value in UNEMPLOYMENT_ASIAN.items():
        rows.append(
            tiny_project._ft_row(
                "93097",
                "Unemployment",
                CODES[ward],
                ward,
                "Ward",
                "Persons",
                "2019/20",
                "20190000",
                value,
                count=str(value * 10),
                denominator="1,000",
                category_type="Ethnic groups",
                category="Asian",
            )
        )
        # a deprivation category at ward level (lower-case "deprivation"): left out by the models
        rows.append(
            tiny_project._ft_row(
                "93097",
                "Unemployment",
                CODES[ward],
                ward,
                "Ward",
                "Persons",
                "2019/20",
                "20190000",
                50,
                count="500",
                denominator="1,000",
                category_type=WARD_DEPRIVATION,
                category="Most deprived quintile",
            )
        )
    return tiny_project._csv(rows, tiny_project.FINGERTIPS_HEADER, line_end="\r\n")


def build(root, with_breakdown: bool):
    root.mkdir(parents=True, exist_ok=True)
    (root / "inbox").mkdir(exist_ok=True)
    replace = {'baseline_period = "2021/22"': TARGET}
    if with_breakdown:
        (root / "inbox" / "fingertips_by_group.csv").write_bytes(fingertips_by_group())
        replace['files = ["inbox/fingertips_tiny.csv"]'] = TWO_FINGERTIPS_FILES
    config = tiny_project.landed(root, replace=replace)
    land_local(config, write_local_drop(root / "ta_by_ward.csv", with_breakdown), "LOCAL-TA")
    build_warehouse(config)
    return config


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    root = tmp_path_factory.mktemp("category")
    return build(root / "with", True), build(root / "without", False)


@pytest.fixture(scope="module")
def con(projects):
    connection = duckdb.connect(str(projects[0].warehouse_path), read_only=True)
    yield connection
    connection.close()


def one(con, sql, *params):
    frame = con.execute(sql, list(params)).df()
    assert len(frame) == 1, frame
    return frame.iloc[0]


def gap_row(con, category, period="2021/22", measure="absolute_gap", indicator="LOCAL-TA"):
    return one(
        con,
        "select * from marts.fct_gap_measure where indicator_id = ? and category = ? and period = ? "
        "and measure = ? and grouping = 'local_quintile'",
        indicator,
        category,
        period,
        measure,
    )


def test_the_reader_finds_the_breakdown_columns_and_defaults_to_all(tmp_path):
    frame = local_drop.read([write_local_drop(tmp_path / "with.csv", True)], "LOCAL-TA")
    asian = frame[frame["category"] == "Asian"]
    assert len(asian) == 24 and set(asian["category_type"]) == {"Ethnic groups"}
    assert set(frame["extra"]) == {"{}"}  # the breakdown columns are not "other" columns
    plain = local_drop.read([write_local_drop(tmp_path / "without.csv", False)], "LOCAL-TA")
    assert set(plain["category"]) == {""} and set(plain["category_type"]) == {""}


def test_category_is_never_null_and_all_without_a_breakdown(projects, con):
    for (table,) in con.execute(
        "select table_schema || '.' || table_name from information_schema.columns "
        "where column_name = 'category' and table_schema in ('intermediate', 'marts')"
    ).fetchall():
        assert con.execute(f"select count(*) from {table} where category is null").fetchall()[0][0] == 0, table
    categories = {r[0] for r in con.execute("select distinct category from marts.fct_ward_indicator").fetchall()}
    assert categories == {"All", ASIAN}
    local = con.execute(
        "select category, count(*) from staging.stg_local__indicator_value group by all order by all"
    ).fetchall()
    assert local == [("All", 24), (ASIAN, 24)]
    with duckdb.connect(str(projects[1].warehouse_path), read_only=True) as without:
        assert {r[0] for r in without.execute("select distinct category from marts.fct_ward_indicator").fetchall()} == {
            "All"
        }


def test_the_breakdowns_gap_rests_on_its_own_ward_values(con):
    # Asian, 2021/22: m_most = (4000·20 + 2000·26) / 6000 = 22, m_least = (2000·5 + 2000·7) / 4000 = 6
    asian = gap_row(con, ASIAN)
    assert asian["value"] == pytest.approx(22 - 6)
    se_ward = 2 / (2 * Z)
    se_most = se_ward * math.sqrt(4000**2 + 2000**2) / 6000
    se_least = se_ward * math.sqrt(2 * 2000**2) / 4000
    assert asian["lower_ci"] == pytest.approx(16 - Z * math.sqrt(se_most**2 + se_least**2))
    assert gap_row(con, ASIAN, measure="relative_gap")["value"] == pytest.approx(22 / 6)
    # range gap: best ward B09 (5), worst B02 (26): −1 · (5 − 26) = 21
    range_gap = one(
        con,
        "select * from marts.fct_gap_measure where indicator_id = 'LOCAL-TA' and category = ? "
        "and period = '2021/22' and measure = 'range_gap'",
        ASIAN,
    )
    assert range_gap["value"] == pytest.approx(21)
    # the whole population alongside: m_most = (4000·12 + 2000·15) / 6000 = 13, m_least = (4 + 2) / 2 = 3
    assert gap_row(con, "All")["value"] == pytest.approx(10)
    # fct_gap: the same figures, its own borough value, and the change since the baseline per category
    gap = one(
        con,
        "select * from marts.fct_gap where indicator_id = 'LOCAL-TA' and category = ? and period = '2022/23'",
        ASIAN,
    )
    assert (gap["most_deprived_mean"], gap["least_deprived_mean"]) == (pytest.approx(25), pytest.approx(6))
    assert gap["absolute_gap_change_since_baseline"] == pytest.approx(19 - 16)
    assert (gap["borough_value"], gap["england_value"]) == (12, 8)
    later_all = one(
        con, "select * from marts.fct_gap where indicator_id = 'LOCAL-TA' and category = 'All' and period = '2022/23'"
    )
    assert later_all["absolute_gap_change_since_baseline"] == pytest.approx(0)
    change = one(
        con,
        "select * from marts.fct_gap_change where indicator_id = 'LOCAL-TA' and category = ? "
        "and measure = 'absolute_gap' and grouping = 'local_quintile'",
        ASIAN,
    )
    assert (change["baseline_value"], change["latest_value"], change["change"]) == (
        pytest.approx(16),
        pytest.approx(19),
        pytest.approx(3),
    )


def test_a_fingertips_breakdown_gets_its_own_gap(con):
    # 93097 Asian, 2019/20: m_most = (4000·12 + 2000·15) / 6000 = 13, m_least = (2000·4 + 2000·2) / 4000 = 3
    assert gap_row(con, ASIAN, period="2019/20", indicator="93097")["value"] == pytest.approx(10)
    # 'All' (tiny_project.UNEMPLOYMENT): (4000·8 + 2000·10) / 6000 − (2000·2 + 2000·1) / 4000
    assert gap_row(con, "All", period="2019/20", indicator="93097")["value"] == pytest.approx(52 / 6 - 1.5)


def test_a_breakdown_is_benchmarked_against_the_same_breakdown_in_england(con):
    borough = one(
        con,
        "select * from marts.fct_benchmark_comparison where indicator_id = 'LOCAL-TA' "
        "and category = ? and period = '2021/22' and area_type = 'local authority'",
        ASIAN,
    )
    assert (borough["value"], borough["benchmark_value"], borough["comparison_95"]) == (12, 8, "worse")
    everyone = one(
        con,
        "select * from marts.fct_benchmark_comparison where indicator_id = 'LOCAL-TA' "
        "and category = 'All' and period = '2021/22' and area_type = 'local authority'",
    )
    assert (everyone["value"], everyone["benchmark_value"]) == (8, 6)
    # target area Riverside (B03, B04; 2000 people each) vs the rest of the borough, Asian
    riverside = one(
        con,
        "select * from marts.fct_benchmark_comparison where indicator_id = 'LOCAL-TA' "
        "and category = ? and period = '2021/22' and benchmark = 'rest of borough'",
        ASIAN,
    )
    rest = (4000 * 20 + 2000 * 26 + 2000 * 11 + 2000 * 10 + 1000 * 9 + 3000 * 8 + 2000 * 5 + 2000 * 7) / 18000
    assert (riverside["value"], riverside["benchmark_value"]) == (pytest.approx(12.5), pytest.approx(rest))
    trends = con.execute(
        "select category from marts.fct_trend where indicator_id = 'LOCAL-TA' "
        "and series = 'absolute gap' and subject = 'local_quintile' order by category"
    ).fetchall()
    assert trends == [("All",), (ASIAN,)]


def test_targets_apply_to_the_whole_population_only(con):
    path = con.execute(
        "select distinct category, baseline_value, target_value from marts.fct_target_trajectory"
    ).fetchall()
    assert path == [("All", pytest.approx(10), pytest.approx(5))]  # the 'All' gap, halved; not the Asian 16
    assert {r[0] for r in con.execute("select distinct category from marts.fct_target_progress").fetchall()} == {"All"}


def test_the_whole_population_is_unchanged_by_a_breakdown(projects, con):
    """Every 'All' row of every table is the same, to the last digit (simulated SII limits too: each
    category is simulated in its own call), with and without the breakdowns."""
    with duckdb.connect(str(projects[1].warehouse_path), read_only=True) as without:
        tables = [
            r[0]
            for r in without.execute(
                "select distinct table_schema || '.' || table_name from information_schema.columns "
                "where column_name = 'category' and table_schema in ('intermediate', 'marts') order by 1"
            ).fetchall()
        ]
        assert len(tables) == 15  # every intermediate and marts table keyed by category
        for table in tables:
            # every column but the line a row came from (the drop with breakdowns has more lines)
            columns = [
                f'"{c}"'
                for (c,) in without.execute(
                    "select column_name from information_schema.columns where table_schema || '.' || table_name = ? "
                    "and column_name not in ('_line', 'source_line') order by ordinal_position",
                    [table],
                ).fetchall()
            ]
            select = f"select {', '.join(columns)} from {table} where category = 'All' order by all"
            before, after = without.execute(select).df(), con.execute(select).df()
            assert len(before) > 0 or table.endswith(("progress", "trajectory", "from_counts")), table
            pd.testing.assert_frame_equal(before, after, check_exact=True, obj=table)


def test_deprivation_category_rows_never_reach_the_models(con):
    staged = con.execute(
        "select count(*) from staging.stg_fingertips__indicator_value where is_deprivation_category"
    ).fetchall()[0][0]
    assert staged == 10 + 2  # the ten ward rows above and the tiny project's two England decile rows
    for (table,) in con.execute(
        "select distinct table_schema || '.' || table_name from information_schema.columns "
        "where column_name = 'category' and table_schema in ('intermediate', 'marts')"
    ).fetchall():
        found = con.execute(f"select count(*) from {table} where category ilike '%deprivation%'").fetchall()[0][0]
        assert found == 0, table
    # England's 'All' life expectancy is its area row (79.5), not the "Most deprived decile" row (74.1)
    england = one(
        con,
        "select value from intermediate.int_indicator_value__configured where indicator_id = '93283' "
        "and area_code = ? and period = '2015 - 19'",
        ENGLAND,
    )
    assert england["value"] == 79.5


def test_the_uniqueness_test_keys_on_category(projects, tmp_path):
    sql = (SQL_DIR / "tests" / "assert_ward_indicator_unique.sql").read_text(encoding="utf-8")
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(projects[0].warehouse_path, copy)
    with duckdb.connect(str(copy)) as con:
        # the same ward, indicator, sex and period occurs once per category: not a duplicate
        assert (
            con.execute(
                "select count(*) from (select 1 from marts.fct_ward_indicator "
                "group by indicator_id, sex, period, ward_code having count(*) > 1)"
            ).fetchall()[0][0]
            == 30
        )
        assert con.execute(sql).fetchall() == []
        # a real duplicate within a category is caught, and the offending row names its category
        con.execute(
            "insert into marts.fct_ward_indicator select * from marts.fct_ward_indicator "
            "where indicator_id = 'LOCAL-TA' and category = ? and ward_code = ? and period = '2021/22'",
            [ASIAN, CODES["B01"]],
        )
        offending = con.execute(sql).df()
    assert len(offending) == 1 and offending.loc[0, "category"] == ASIAN and offending.loc[0, "copies"] == 2
