"""The recent-trend model (marts.fct_trend) on ward series built through the whole pipeline: a local
drop of five annual values per ward, chosen so that the expected labels follow by hand.

Lower is better for the tiny project's LOCAL-TA indicator (households in temporary accommodation).
Every value has 95 % limits ±0.1, so each point carries the same weight in the regression.
  B01: 10.0, 9.9, 9.8, 9.7, 14.0 — one jump at the end drives a rising slope with χ² far above the
       99.8 % threshold, but leaving out the last point the series falls: the direction flips under
       leave-one-out, so Fingertips calls it "no significant change".
  B02: 10, 11, 12, 13, 14 — rises steadily: worsening (lower is better).
  B03: 14, 13, 12, 11, 10 — falls steadily: improving.
  B04: 10, 11, 12, 13 — four points: cannot be calculated (five are needed).
"""

from __future__ import annotations

import duckdb
import pytest

import tiny_project
from pipeline.ingest.landing import land_local
from pipeline.warehouse.build import build_warehouse

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow

PERIODS = ["2017/18", "2018/19", "2019/20", "2020/21", "2021/22"]
SERIES = {
    "E05000001": [10.0, 9.9, 9.8, 9.7, 14.0],
    "E05000002": [10, 11, 12, 13, 14],
    "E05000003": [14, 13, 12, 11, 10],
    "E05000004": [10, 11, 12, 13],
}


@pytest.fixture(scope="module")
def trends(tmp_path_factory):
    root = tmp_path_factory.mktemp("trend")
    config = tiny_project.landed(root)
    lines = ["area_code,period,sex,value,lower_ci,upper_ci"]
    for ward, values in SERIES.items():
        lines += [f"{ward},{period},Persons,{v},{v - 0.1:.1f},{v + 0.1:.1f}" for period, v in zip(PERIODS, values)]
    drop = root / "temporary_accommodation.csv"
    drop.write_text("\n".join(lines) + "\n", encoding="utf-8")
    land_local(config, drop, "LOCAL-TA")
    build_warehouse(config)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    frame = con.execute("select * from marts.fct_trend where indicator_id = 'LOCAL-TA' and series = 'value'").df()
    con.close()
    return frame.set_index("subject")


def test_a_trend_that_flips_sign_when_one_point_is_left_out_is_no_significant_change(trends):
    row = trends.loc["E05000001"]
    assert row["method"] == "inverse-variance weighted regression on the 95% limits"
    assert row["chi_squared"] > 10.83 and row["slope_per_period"] > 0  # significant rise on all five points
    assert row["trend"] == "no significant change" and "left out" in row["reason"]


def test_steady_series_are_labelled_by_polarity(trends):
    assert trends.loc["E05000002", "trend"] == "worsening"  # rising, lower is better
    assert trends.loc["E05000003", "trend"] == "improving"
    assert trends.loc["E05000002", "points"] == 5 and trends.loc["E05000002", "first_period"] == "2017/18"


def test_a_series_of_four_points_cannot_be_calculated(trends):
    assert trends.loc["E05000004", "trend"] == "cannot be calculated"
    assert trends.loc["E05000004", "points"] == 4


def test_every_gap_measure_has_a_trend_series_with_ratios_tested_on_the_log_scale(tmp_path):
    config = tiny_project.landed(tmp_path)
    build_warehouse(config)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    methods = dict(
        con.execute("select distinct series, method from marts.fct_trend where series <> 'value'").fetchall()
    )
    con.close()
    assert set(methods) == {"absolute gap", "relative gap", "range gap", "sii", "rii"}
    assert (
        methods["rii"]
        == methods["relative gap"]
        == ("inverse-variance weighted regression on the log of the ratio and its 95% limits")
    )
    assert methods["sii"] == "inverse-variance weighted regression on the 95% limits"
