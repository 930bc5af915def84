"""Crude rates: exact Poisson limits below 10 events, Byars from 10 (methods.md §2)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.methods.rate import rate, rate_frame

RENAME = {
    "lower_ci": "lower95_0cl",
    "upper_ci": "upper95_0cl",
    "lower_ci_998": "lower99_8cl",
    "upper_ci_998": "upper99_8cl",
}


def methods(column) -> list:
    return [None if pd.isna(m) else m for m in column]


def test_byars_65_per_100():
    out = rate([65], [100], multiplier=100)
    assert out["value"][0] == 65
    assert out["lower_ci"][0] == pytest.approx(50.163188, abs=1e-6)
    assert out["upper_ci"][0] == pytest.approx(82.849139, abs=1e-6)
    assert out["method"][0] == "Byars"


def test_exact_5_per_100():
    out = rate([5], [100], multiplier=100)
    assert out["lower_ci"][0] == pytest.approx(1.623486, abs=1e-6)
    assert out["upper_ci"][0] == pytest.approx(11.668332, abs=1e-6)
    assert out["method"][0] == "Exact"


def test_zero_events_and_more_events_than_population():
    out = rate([0, 250], [1000, 220])
    assert out["value"][0] == 0 and out["lower_ci"][0] == 0
    assert out["upper_ci"][0] == pytest.approx(math.log(40) / 1000 * 1e5, rel=1e-14)
    assert out["value"][1] == pytest.approx(113636.363636, abs=1e-6)


def test_missing_inputs_and_method():
    out = rate_frame(pd.DataFrame({"count": [np.nan, 10], "population": [100, np.nan]}))
    assert out["value"].isna().all() and out["lower_ci"].isna().all()
    assert methods(out["method"]) == [None, "Byars"]
    assert (out["statistic"] == "rate per 100000").all()


def test_errors():
    with pytest.raises(ValueError, match="numerators"):
        rate([-1], [10])
    with pytest.raises(ValueError, match="denominators"):
        rate([1], [-5])
    with pytest.raises(ValueError, match="maximum of two"):
        rate([1], [10], (0.9, 0.95, 0.99))


@pytest.fixture(scope="module")
def rate_sheets(shared_reference):
    return pd.read_excel(shared_reference / "phe-indicator-methods" / "testdata_Rate.xlsx", sheet_name=None)


def test_testdata_rate_20_rows(rate_sheets):
    sheet = rate_sheets["testdata_Rate"]
    checked = 0
    for multiplier, rows in sheet.groupby("multiplier"):
        rows = rows.reset_index(drop=True)
        out = rate_frame(
            rows, confidence=(0.95, 0.998), multiplier=multiplier, count="Numerator", population="Denominator"
        )
        for ours, theirs in [("value", "value"), *RENAME.items()]:
            np.testing.assert_allclose(out[ours], rows[theirs], rtol=1e-14, equal_nan=True)
        assert list(out["statistic"]) == list(rows["statistic"])
        assert methods(out["method"]) == methods(rows["method"])
        checked += len(rows)
    assert checked == 20


def test_testdata_rate_grouped_12_groups(rate_sheets):
    expected = rate_sheets["testdata_Rate_g"].set_index("Area")
    out = (
        rate_frame(rate_sheets["testdata_Rate"], ["Area"], count="Numerator", population="Denominator")
        .set_index("Area")
        .loc[expected.index]
    )
    assert len(out) == 12
    np.testing.assert_allclose(out["value"], expected["value"], rtol=1e-14, equal_nan=True)
    np.testing.assert_allclose(out["lower_ci"], expected["lowercl"], rtol=1e-14, equal_nan=True)
    np.testing.assert_allclose(out["upper_ci"], expected["uppercl"], rtol=1e-14, equal_nan=True)
    assert methods(out["method"]) == methods(expected["method"])


def test_oracle_rates_150(shared_reference):
    folder = shared_reference / "phe-oracle-cases"
    data = pd.read_csv(folder / "counts_rate_in.csv")
    expected = pd.read_csv(folder / "rate_expected.csv")
    out = rate_frame(data)
    assert len(out) == 150
    for column in ("value", "lower_ci", "upper_ci"):  # 15 significant digits in the CSV: abs ≤ 5e-12
        np.testing.assert_allclose(out[column], expected[column], rtol=1e-13, atol=0)
