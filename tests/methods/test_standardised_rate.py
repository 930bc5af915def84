"""Directly standardised rates, Dobson intervals, ESP 2013 (methods.md §4)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.methods.counts import byars_lower, byars_upper
from pipeline.methods.standardised_rate import ESP2013, dsr, dsr_frame, start_ages

COLUMNS = {
    "total_count": "total_count",
    "total_pop": "total_pop",
    "value": "value",
    "lower_ci": "lower95_0cl",
    "upper_ci": "upper95_0cl",
    "lower_ci_998": "lower99_8cl",
    "upper_ci_998": "upper99_8cl",
}


def test_esp2013():
    assert ESP2013.sum() == 100000 and len(ESP2013) == 19
    assert list(start_ages(["0-4", "05-09", "55-69", "90+", 85])) == [0, 5, 55, 90, 85]


def test_hand_computed_two_bands():
    # x = (10, 20), n = (1000, 2000), w = (1, 1): DSR = 0.01, V = (10/1e6 + 20/4e6)/4 = 3.75e-6, O = 30
    out = dsr([10, 20], [1000, 2000], [1, 1], multiplier=1)
    assert out["value"][0] == pytest.approx(0.01, rel=1e-15)
    root = math.sqrt(3.75e-6 / 30)
    assert out["lower_ci"][0] == pytest.approx(0.01 + root * (byars_lower(30) - 30), rel=1e-14)
    assert out["upper_ci"][0] == pytest.approx(0.01 + root * (byars_upper(30) - 30), rel=1e-14)
    assert out["total_count"][0] == 30 and out["total_pop"][0] == 3000


def test_fewer_than_10_events_suppressed_and_missing_counts_are_zero():
    df = pd.DataFrame(
        {
            "g": ["a", "a", "b", "b"],
            "count": [4, np.nan, 5, 5],
            "population": [100, 100, 100, 100],
            "standard_population": [1, 1, 1, 1],
        }
    )
    out = dsr_frame(df, ["g"])
    assert out.loc[0, "total_count"] == 4 and np.isnan(out.loc[0, "value"]) and np.isnan(out.loc[0, "upper_ci"])
    assert out.loc[0, "statistic"] == "dsr NA for total count < 10"
    assert out.loc[1, "value"] == pytest.approx(5000) and out.loc[1, "statistic"] == "dsr per 100000"


def test_errors():
    with pytest.raises(ValueError, match="numerators"):
        dsr([-1], [10], [1])
    with pytest.raises(ValueError, match="denominators must all be greater"):
        dsr([1], [0], [1])
    with pytest.raises(ValueError, match="denominators must not be missing"):
        dsr([1], [np.nan], [1])
    with pytest.raises(ValueError, match="standard populations"):
        dsr([1], [10], [-1])
    with pytest.raises(ValueError, match="multiplier"):
        dsr([1], [10], [1], multiplier=0)
    with pytest.raises(ValueError, match="standard_population column"):
        dsr_frame(pd.DataFrame({"age_band": ["3-7"], "count": [1], "population": [10]}))


def test_non_independent_needs_constant_population_per_band():
    df = pd.DataFrame(
        {
            "age_band": [0, 0],
            "event_frequency": [1, 2],
            "count": [5, 1],
            "population": [100, 101],
            "standard_population": [5000, 5000],
        }
    )
    with pytest.raises(ValueError, match="different populations"):
        dsr_frame(df, independent_events=False)


def test_vector_standard_population_matched_by_position():
    df = pd.DataFrame({"g": ["a", "a", "b", "b"], "count": [10, 20, 30, 40], "population": [100, 200, 300, 400]})
    by_vector = dsr_frame(df, ["g"], standard_population=[2, 3])
    by_column = dsr_frame(df.assign(w=[2, 3, 2, 3]), ["g"], standard_population="w")
    pd.testing.assert_frame_equal(by_vector, by_column)
    with pytest.raises(ValueError, match="stdpop length"):
        dsr_frame(df, ["g"], standard_population=[1, 2, 3])


# --- testdata_DSR_ISR.xlsx, sheet testresults_DSR: 12 rows ---------------------------------------


@pytest.fixture(scope="module")
def sheets(shared_reference):
    return pd.read_excel(shared_reference / "phe-indicator-methods" / "testdata_DSR_ISR.xlsx", sheet_name=None)


def compare(out, expected, columns=COLUMNS):
    for ours, theirs in columns.items():
        np.testing.assert_allclose(
            out[ours].to_numpy(float), expected[theirs].to_numpy(float), rtol=6e-12, equal_nan=True, err_msg=ours
        )
    assert list(out["statistic"]) == list(expected["statistic"])
    assert list(out["method"]) == list(expected["method"])


def test_multiarea_esp2013_per_10000_and_100000(sheets):
    results = sheets["testresults_DSR"]
    for multiplier, rows in ((10000, [0, 1, 2]), (100000, [4, 5, 6])):
        out = dsr_frame(
            sheets["testdata_multiarea"], ["area"], (0.95, 0.998), multiplier, population="pop", age_band="ageband"
        )
        assert list(out["area"]) == list(results["area"].iloc[rows])
        compare(out, results.iloc[rows])


def test_esp1976_as_a_standard_population_column(sheets):
    # The sheet's 99.8 % cells for testdata_1976 are 10× the true value (never tested by the package);
    # R returns what we do, 765.93 / 959.92 per 10 000. Only total_count … upper95 are compared.
    results = sheets["testresults_DSR"]
    first = dict(list(COLUMNS.items())[:5])
    for multiplier, row in ((10000, 3), (100000, 7)):
        out = dsr_frame(
            sheets["testdata_1976"], [], (0.95, 0.998), multiplier, population="pop", standard_population="esp1976"
        )
        compare(out, results.iloc[[row]], first)
        assert out.loc[0, "upper_ci_998"] == pytest.approx(results["upper99_8cl"].iloc[row] / 10, rel=1e-6)
    assert out.loc[0, "lower_ci_998"] == pytest.approx(7659.28, abs=0.01)


def test_non_independent_events_4_areas(sheets):
    wide = sheets["testdata_nonindepe"]
    long = wide.melt(
        id_vars=["area", "ageband", "count", "pop"],
        value_vars=["f1", "f2", "f3", "f4"],
        var_name="f",
        value_name="individuals",
    )
    long["event_frequency"] = long["f"].str[1].astype(int)
    out = dsr_frame(
        long,
        ["area"],
        (0.95, 0.998),
        count="individuals",
        population="pop",
        age_band="ageband",
        independent_events=False,
    )
    compare(out, sheets["testresults_DSR"].iloc[8:12])
