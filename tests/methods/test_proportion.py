"""Proportions with Wilson intervals (methods.md §1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.methods.proportion import proportion, proportion_frame

RENAME = {
    "lower_ci": "lower95_0cl",
    "upper_ci": "upper95_0cl",
    "lower_ci_998": "lower99_8cl",
    "upper_ci_998": "upper99_8cl",
}


def test_wilson_65_of_100_as_percentage():
    out = proportion_frame(pd.DataFrame({"count": [65], "population": [100]}), multiplier=100)
    assert out.loc[0, "value"] == 65
    assert out.loc[0, "lower_ci"] == pytest.approx(55.2544, abs=1e-4)
    assert out.loc[0, "upper_ci"] == pytest.approx(73.6358, abs=1e-4)
    assert (out.loc[0, "confidence"], out.loc[0, "statistic"], out.loc[0, "method"]) == ("95%", "percentage", "Wilson")


def test_edges_zero_all_and_missing():
    out = proportion([0, 20, np.nan, 5], [20, 20, 10, np.nan])
    assert out["lower_ci"][0] == 0 and out["value"][1] == 1
    assert out["upper_ci"][1] == pytest.approx(1, abs=1e-15)
    assert np.isnan([out[k][i] for k in ("value", "lower_ci", "upper_ci") for i in (2, 3)]).all()


def test_errors():
    with pytest.raises(ValueError, match="numerators"):
        proportion([-1], [10])
    with pytest.raises(ValueError, match="denominators"):
        proportion([1], [0])
    with pytest.raises(ValueError, match="less than or equal to denominator"):
        proportion([11], [10])
    with pytest.raises(ValueError, match="0.95 and 0.998"):
        proportion([1], [10], (95, 99.8))


def test_no_confidence_gives_value_and_statistic_only():
    out = proportion_frame(pd.DataFrame({"count": [1], "population": [4]}), confidence=None, multiplier=1000)
    assert list(out.columns) == ["count", "population", "value", "statistic"]
    assert out.loc[0, "statistic"] == "proportion of 1000"


def test_grouping_sums_and_single_group_is_row_by_row():
    df = pd.DataFrame({"g": ["a", "a", "b"], "count": [1, 2, 3], "population": [10, 20, 30]})
    grouped = proportion_frame(df, ["g"])
    assert list(grouped["g"]) == ["a", "b"] and list(grouped["count"]) == [3, 3]
    assert grouped.loc[0, "lower_ci"] == wilson(3, 30)[0]
    single = proportion_frame(df[df.g == "a"], ["g"])  # one group: computed per row, as R does
    assert len(single) == 2


def wilson(x, n):
    out = proportion([x], [n])
    return out["lower_ci"][0], out["upper_ci"][0]


# --- reference data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prop_sheets(shared_reference):
    return pd.read_excel(shared_reference / "phe-indicator-methods" / "testdata_Proportion.xlsx", sheet_name=None)


def test_testdata_prop_19_rows(prop_sheets):
    sheet = prop_sheets["testdata_Prop"]
    checked = 0
    for multiplier, rows in sheet.groupby("multiplier"):
        rows = rows.reset_index(drop=True)
        out = proportion_frame(
            rows, confidence=(0.95, 0.998), multiplier=multiplier, count="Numerator", population="Denominator"
        )
        for ours, theirs in [("value", "value"), *RENAME.items()]:
            np.testing.assert_allclose(out[ours], rows[theirs], rtol=1e-12, atol=1e-12, equal_nan=True)
        assert list(out["statistic"]) == list(rows["statistic"])
        assert (out["confidence"] == "95%, 99.8%").all() and (out["method"] == "Wilson").all()
        checked += len(rows)
    assert checked == 19


def test_testdata_prop_grouped_11_groups(prop_sheets):
    expected = prop_sheets["testdata_Prop_g"].set_index("Area")
    out = (
        proportion_frame(prop_sheets["testdata_Prop"], ["Area"], count="Numerator", population="Denominator")
        .set_index("Area")
        .loc[expected.index]
    )
    assert len(out) == 11
    for column in ("Numerator", "Denominator", "value"):
        np.testing.assert_allclose(out[column], expected[column], rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(out["lower_ci"], expected["lowercl"], rtol=1e-12, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(out["upper_ci"], expected["uppercl"], rtol=1e-12, atol=1e-12, equal_nan=True)


def test_oracle_proportions_150(shared_reference):
    folder = shared_reference / "phe-oracle-cases"
    data = pd.read_csv(folder / "counts_proportion_in.csv")
    expected = pd.read_csv(folder / "proportion_expected.csv")
    out = proportion_frame(data)
    assert len(out) == 150
    for column in ("value", "lower_ci", "upper_ci"):
        np.testing.assert_allclose(out[column], expected[column], rtol=0, atol=1e-15)


def test_ncmp_wilson_times_100_240_rows(shared_reference):
    data = pd.read_csv(shared_reference / "phe-indicator-methods" / "NCMP_testdata.csv")
    out = proportion(data["Count"], data["Measured"], 0.95, 100)
    assert len(data) == 240
    np.testing.assert_allclose(out["lower_ci"], data["LCL"], rtol=0, atol=1e-13)
    np.testing.assert_allclose(out["upper_ci"], data["UCL"], rtol=0, atol=1e-13)
