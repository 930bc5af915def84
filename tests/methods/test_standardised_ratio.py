"""Indirectly standardised ratios and rates (methods.md §5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.methods.counts import byars_lower, exact_lower, exact_upper
from pipeline.methods.standardised_ratio import expected_count, isr, isr_frame

COLUMNS = {
    "observed": "observed",
    "expected": "expected",
    "ref_rate": "ref_rate",
    "value": "value",
    "lower_ci": "lower95_0cl",
    "upper_ci": "upper95_0cl",
    "lower_ci_998": "lower99_8cl",
    "upper_ci_998": "upper99_8cl",
}


def test_hand_computed_ratio_exact_below_10():
    # E = 10/1000·500 + 30/1000·100 = 8;  O = 9 → exact limits
    e = expected_count([500, 100], [10, 30], [1000, 1000])
    assert e[0] == pytest.approx(8)
    out = isr([9], e)
    assert out["value"][0] == pytest.approx(9 / 8)
    assert out["lower_ci"][0] == pytest.approx(exact_lower(9) / 8, rel=1e-14)
    assert out["upper_ci"][0] == pytest.approx(exact_upper(9) / 8, rel=1e-14)
    assert out["method"][0] == "Exact"
    assert isr([10], [8])["lower_ci"][0] == pytest.approx(byars_lower(10) / 8, rel=1e-14)


def test_zero_observed_zero_population_band_and_missing_reference_count():
    df = pd.DataFrame(
        {
            "count": [0, 0, np.nan],
            "population": [100, 0, np.nan],
            "reference_count": [5, np.nan, 5],
            "reference_population": [100, 100, 100],
        }
    )
    out = isr_frame(df)
    assert out.loc[0, "observed"] == 0 and out.loc[0, "expected"] == 5
    assert out.loc[0, "value"] == 0 and out.loc[0, "lower_ci"] == 0
    assert out.loc[0, "statistic"] == "indirectly standardised ratio x 1"


def test_rate_statistic_and_reference_rate():
    df = pd.DataFrame(
        {
            "count": [20, 30],
            "population": [1000, 1000],
            "reference_count": [10, 30],
            "reference_population": [1000, 1000],
        }
    )
    out = isr_frame(df, rate=True)
    assert out.loc[0, "ref_rate"] == pytest.approx(2000)
    assert out.loc[0, "value"] == pytest.approx(50 / 40 * 2000)
    assert out.loc[0, "statistic"] == "indirectly standardised rate per 100000"


def test_errors():
    base = pd.DataFrame(
        {
            "g": ["a", "a", "b"],
            "count": [1, 2, 3],
            "population": [10, 10, 10],
            "reference_count": [1, 1, 1],
            "reference_population": [10, 10, 10],
        }
    )
    with pytest.raises(ValueError, match="same number of rows"):
        isr_frame(base, ["g"])
    with pytest.raises(ValueError, match="numerators"):
        isr_frame(base.assign(count=[-1, 2, 3]))
    with pytest.raises(ValueError, match="denominators"):
        isr_frame(base.assign(population=[-1, 2, 3]))
    with pytest.raises(ValueError, match="x_ref length"):
        isr_frame(base, reference_count=[1, 2], reference_population=[1, 2, 3])


# --- testdata_DSR_ISR.xlsx, sheet testresults_ISR: 16 rows ----------------------------------------


@pytest.fixture(scope="module")
def sheets(shared_reference):
    return pd.read_excel(shared_reference / "phe-indicator-methods" / "testdata_DSR_ISR.xlsx", sheet_name=None)


def compare(out, expected):
    for ours, theirs in COLUMNS.items():
        if ours in out.columns and expected[theirs].notna().any():
            np.testing.assert_allclose(
                out[ours].to_numpy(float), expected[theirs].to_numpy(float), rtol=2e-15, err_msg=ours
            )
    assert list(out["statistic"]) == list(expected["statistic"])
    assert list(out["method"]) == list(expected["method"])
    return len(out)


def test_testresults_isr_16_rows(sheets):
    results, ref = sheets["testresults_ISR"], sheets["refdata"]
    vector = {"reference_count": ref["refcount"], "reference_population": ref["refpop"]}
    own, multi, zero_pop = sheets["testdata_multiarea_isr"], sheets["testdata_multiarea"], sheets["testdata_err2"]
    kw = {"population": "pop"}
    matched = 0
    matched += compare(isr_frame(own, ["area"], (0.95, 0.998), rate=True, **vector, **kw), results.iloc[0:3])
    matched += compare(isr_frame(multi, ["area"], (0.95, 0.998), 1000, rate=True, **vector, **kw), results.iloc[3:6])
    matched += compare(isr_frame(multi, ["area"], (0.95, 0.998), **vector, **kw), results.iloc[6:9])
    matched += compare(isr_frame(multi, ["area"], (0.95, 0.998), 100, **vector, **kw), results.iloc[9:12])
    matched += compare(isr_frame(zero_pop, ["area"], rate=True, **vector, **kw), results.iloc[12:14])
    matched += compare(isr_frame(zero_pop, ["area"], 0.95, 100, **vector, **kw), results.iloc[14:16])
    assert matched == 16
    # the same with the reference as columns of the data (NA reference count in one band) …
    compare(
        isr_frame(
            own, ["area"], (0.95, 0.998), rate=True, reference_count="refcount", reference_population="refpop", **kw
        ),
        results.iloc[0:3],
    )
    # … and with observed totals from a lookup instead of summing the counts
    compare(
        isr_frame(
            own.drop(columns="count"),
            ["area"],
            (0.95, 0.998),
            rate=True,
            count="total_count",
            observed_totals=sheets["testdata_multiarea_lookup"],
            **vector,
            **kw,
        ),
        results.iloc[0:3],
    )
