"""Means with Student's t intervals (methods.md §3)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.methods.mean import mean, mean_frame


def test_hand_computed_mean():
    out = mean_frame(pd.DataFrame({"value": [1.0, 2.0, 3.0]}))
    t = 0.95 / math.sqrt(2 * 0.975 * 0.025)  # t quantile, 2 degrees of freedom, 97.5 % (closed form for df = 2)
    assert out.loc[0, "value"] == 2 and out.loc[0, "stdev"] == 1 and out.loc[0, "value_count"] == 3
    assert out.loc[0, "lower_ci"] == pytest.approx(2 - t / math.sqrt(3), rel=1e-13)
    assert out.loc[0, "upper_ci"] == pytest.approx(2 + t / math.sqrt(3), rel=1e-13)
    assert list(out.columns[-3:]) == ["confidence", "statistic", "method"]
    assert out.loc[0, "method"] == "Student's t-distribution"


def test_single_value_and_missing_value():
    out = mean([5.0, 1.0, np.nan, 4.0], groups=[0, 1, 1, 2])
    assert out["value"][0] == 5 and np.isnan(out["stdev"][0]) and np.isnan(out["lower_ci"][0])
    assert np.isnan(out["value_sum"][1]) and out["value_count"][1] == 2 and np.isnan(out["upper_ci"][1])


def test_testdata_mean_3_groups(shared_reference):
    sheets = pd.read_excel(shared_reference / "phe-indicator-methods" / "testdata_Mean.xlsx", sheet_name=None)
    data, expected = sheets["testdata_Mean"], sheets["testdata_Mean_results"]
    out = pd.concat(
        [
            mean_frame(data, ["area"], (0.95, 0.998), value="values"),
            mean_frame(data, [], (0.95, 0.998), value="values"),
        ],
        ignore_index=True,
    )
    assert len(out) == 3
    pairs = {
        "value_sum": "value_sum",
        "value_count": "value_count",
        "stdev": "stdev",
        "value": "value",
        "lower_ci": "lower95_0cl",
        "upper_ci": "upper95_0cl",
        "lower_ci_998": "lower99_8cl",
        "upper_ci_998": "upper99_8cl",
    }
    for ours, theirs in pairs.items():
        np.testing.assert_allclose(out[ours], expected[theirs], rtol=2e-12)
    assert list(out["area"][:2]) == ["Area1", "Area2"]
    assert (out["statistic"] == "mean").all()
