"""Targets and trajectories to 2031 (marts.fct_target_progress) on the tiny project, worked by hand.

The borough's male life expectancy is 77.5 years (95 % CI 76.5–78.5) in both 2015 - 19 (the
baseline, period year 2019) and 2016 - 20 (year 2020); the target year is 2031, so 2016 - 20 is
f = 1/12 of the way along the trajectory. SE = (78.5 − 76.5) / (2 · 1.959963984540054) = 0.5102.
"""

from __future__ import annotations

import duckdb
import pytest

import tiny_project
from pipeline.config import ConfigError, load_config
from pipeline.warehouse.build import build_warehouse

# slow: every test here builds a warehouse (or runs `fsot`) from a project first
pytestmark = pytest.mark.slow

LE_TARGETS = """sexes = ["Male"]
targets = [
    { measure = "value", value = 80, shape = "linear" },
    { measure = "value", value = 95, shape = "proportional" },
    { measure = "absolute_gap", grouping = "local_quintile", reduction = 0.5, shape = "linear" },
    { measure = "sii", grouping = "local_quintile", value = -1, shape = "proportional" },
]"""
UNEMPLOYMENT_TARGET = """baseline_period = "2019/20"
targets = [{ measure = "value", value = 3, shape = "linear" }]"""


@pytest.fixture(scope="module")
def progress(tmp_path_factory):
    config = tiny_project.landed(
        tmp_path_factory.mktemp("targets"),
        replace={'sexes = ["Male"]': LE_TARGETS, 'baseline_period = "2019/20"': UNEMPLOYMENT_TARGET},
    )
    build_warehouse(config)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    frame = con.execute("select * from marts.fct_target_progress").df()
    path = con.execute("select * from marts.fct_target_trajectory where target_id = '93283-1'").df()
    gaps = con.execute(
        "select * from marts.fct_gap_measure where measure = 'absolute_gap' "
        "and grouping = 'local_quintile' and indicator_id = '93283'"
    ).df()
    con.close()
    return frame, gaps, path


def row(frame, measure, shape, period):
    chosen = frame[(frame["measure"] == measure) & (frame["shape"] == shape) & (frame["period"] == period)]
    assert len(chosen) == 1
    return chosen.iloc[0]


def test_linear_trajectory_takes_equal_steps_from_the_baseline_to_the_target_year(progress):
    frame, *_ = progress
    baseline = row(frame, "value", "linear", "2015 - 19")
    assert baseline["is_baseline"] and baseline["period_year"] == 2019
    assert baseline["expected_value"] == pytest.approx(77.5) and baseline["status"] == "on track"
    assert baseline["probability_on_track"] == pytest.approx(0.5)
    latest = row(frame, "value", "linear", "2016 - 20")
    assert latest["trajectory_fraction"] == pytest.approx(1 / 12)
    assert latest["expected_value"] == pytest.approx(77.5 + (80 - 77.5) / 12)  # 77.708333
    assert latest["difference_from_trajectory"] == pytest.approx(-2.5 / 12)
    # Φ((77.5 − 77.708333) / 0.510204) = Φ(−0.408333)
    assert latest["probability_on_track"] == pytest.approx(0.34151723909466813, abs=1e-9)
    assert latest["status"] == "off track"  # below the trajectory, but the CI includes it


def test_proportional_trajectory_changes_by_the_same_percentage_each_year(progress):
    frame, *_ = progress
    latest = row(frame, "value", "proportional", "2016 - 20")
    assert latest["expected_value"] == pytest.approx(77.5 * (95 / 77.5) ** (1 / 12))  # 78.8000
    assert latest["status"] == "significantly off track"  # upper limit 78.5 is below the trajectory


def test_a_gap_target_by_reduction_is_oriented_so_that_smaller_is_better(progress):
    frame, gaps, _ = progress
    baseline_gap = gaps.loc[gaps["period"] == "2015 - 19", "value"].item()
    latest_gap = gaps[gaps["period"] == "2016 - 20"].iloc[0]
    latest = row(frame, "absolute_gap", "linear", "2016 - 20")
    assert latest["target_value"] == pytest.approx(baseline_gap * 0.5)
    expected = baseline_gap + (baseline_gap * 0.5 - baseline_gap) / 12
    assert latest["expected_value"] == pytest.approx(expected)
    assert latest["actual_value"] == pytest.approx(latest_gap["value"])
    se = (latest_gap["upper_ci"] - latest_gap["lower_ci"]) / (2 * 1.959963984540054)
    from statistics import NormalDist

    assert latest["probability_on_track"] == pytest.approx(NormalDist().cdf((expected - latest_gap["value"]) / se))
    status = (
        "on track"
        if latest_gap["value"] <= expected
        else "significantly off track"
        if latest_gap["lower_ci"] > expected
        else "off track"
    )
    assert latest["status"] == status


def test_a_target_on_a_measure_with_no_values_is_kept_with_a_note(progress):
    frame, *_ = progress
    # the tiny Fingertips file has no borough row for unemployment, only wards
    only = frame[frame["indicator_id"] == "93097"]
    assert len(only) == 1 and only["period"].isna().all() and list(only["status"]) == ["cannot be assessed"]
    assert only["note"].str.startswith("no value of this measure").all()


def test_a_proportional_trajectory_to_a_negative_target_cannot_be_drawn_and_says_why(progress):
    frame, *_ = progress
    sii = frame[frame["measure"] == "sii"]
    assert len(sii) == 2 and sii["expected_value"].isna().all()
    assert set(sii["status"]) == {"cannot be assessed"}
    assert sii["note"].str.contains("positive baseline and target").all()


@pytest.mark.parametrize(
    "target, message",
    [
        (
            '{ measure = "gap" , value = 1 }',
            "measure: Input should be 'value', 'absolute_gap', .* \\(you wrote 'gap'\\)",
        ),
        ('{ measure = "sii", grouping = "wards", value = 1 }', "grouping: Input should be .* \\(you wrote 'wards'\\)"),
        ('{ measure = "value" }', "either value = "),
        ('{ measure = "value", value = 1, reduction = 0.1 }', "either value = "),
        ('{ measure = "value", reduction = 1.5 }', "reduction: Input should be less than 1 \\(you wrote 1.5\\)"),
        ('{ measure = "value", value = 1, shape = "curved" }', "shape: Input should be 'linear' or 'proportional'"),
        ('{ measure = "value", value = 1, sex = "Female" }', "target sex 'Female'"),
    ],
)
def test_a_target_that_cannot_be_used_is_refused_naming_the_setting(tmp_path, target, message):
    path = tiny_project.write(tmp_path)
    path.write_text(path.read_text().replace('sexes = ["Male"]', f'sexes = ["Male"]\ntargets = [{target}]'))
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert "Life expectancy at birth" in str(caught.value)
    assert "target 1" in str(caught.value) or "[[targets]] 1" in str(caught.value)


@pytest.mark.parametrize(
    "label, year",
    [("2015 - 19", 2019), ("2020/21", 2021), ("2019-2021", 2021), ("1999/00", 2000), ("2020", 2020), ("2021 Q3", 2021)],
)
def test_period_end_year_reads_the_last_year_a_label_names(label, year):
    from pipeline.config import SQL_DIR

    con = duckdb.connect()
    con.execute((SQL_DIR / "macros" / "period_end_year.sql").read_text())
    assert con.execute("select period_end_year(?)", [label]).fetchall()[0][0] == year


def test_the_trajectory_runs_year_by_year_from_the_baseline_to_the_target(progress):
    *_, path = progress
    assert list(path["year"]) == list(range(2019, 2032))
    assert path["expected_value"].iloc[0] == pytest.approx(77.5)
    assert path["expected_value"].iloc[-1] == pytest.approx(80)
    assert path["expected_value"].diff().dropna().to_numpy() == pytest.approx([2.5 / 12] * 12)
