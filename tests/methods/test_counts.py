"""Count confidence-limit primitives (methods.md §0): Byars, exact Poisson, Wilson score.

Hand-computed cases (methods.md §10) run without ../shared; the package's testdata_Byars_Wilson.xlsx
(13 rows) is reproduced when ../shared/reference is present."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.methods.confidence import ci_columns, level_suffix, levels_text, one_or_two_levels
from pipeline.methods.counts import (
    byars_lower,
    byars_upper,
    exact_lower,
    exact_upper,
    poisson_limits,
    poisson_method,
    wilson_lower,
    wilson_upper,
)

# --- hand-computed (methods.md §10) -------------------------------------------------------------


def test_byars_65_worked_example():
    assert byars_lower(65) == pytest.approx(50.163188, abs=1e-6)
    assert byars_upper(65) == pytest.approx(82.849139, abs=1e-6)
    z = 1.959963984540054
    assert byars_lower(65) == pytest.approx(65 * (1 - 1 / 585 - z / (3 * math.sqrt(65))) ** 3, rel=1e-14)


def test_wilson_65_of_100_worked_example():
    assert wilson_lower(65, 100) == pytest.approx(0.552544, abs=1e-6)
    assert wilson_upper(65, 100) == pytest.approx(0.736358, abs=1e-6)


def test_exact_5_worked_example():
    assert exact_lower(5) == pytest.approx(1.623486, abs=1e-6)
    assert exact_upper(5) == pytest.approx(11.668332, abs=1e-6)


def test_exact_zero_count():
    # R gives 0 for qchisq(p, df = 0); the upper limit for 0 events is -ln(0.025) = ln 40.
    assert exact_lower(0) == 0.0
    assert exact_upper(0) == pytest.approx(math.log(40), rel=1e-14)
    assert exact_upper(0, 0.998) == pytest.approx(-math.log(0.001), rel=1e-14)


def test_byars_lower_negative_becomes_missing():
    assert np.isnan(byars_lower(1, 0.998))  # the formula goes negative: NA in R
    assert byars_lower(1, 0.95) == pytest.approx(0.013072, abs=1e-6)
    assert np.isnan(byars_lower(0))  # undefined at 0


def test_missing_inputs_give_missing_limits():
    for f in (byars_lower, byars_upper, exact_lower, exact_upper):
        assert np.isnan(f(np.nan))
    assert np.isnan(wilson_lower(np.nan, 10)) and np.isnan(wilson_upper(3, np.nan))


def test_wilson_edges():
    assert wilson_lower(0, 50) == 0.0
    assert wilson_upper(50, 50) == pytest.approx(1.0, abs=1e-15)  # not clamped, only rounding away from 1
    assert wilson_lower(5, 10, 1) == 0.0 and wilson_upper(5, 10, 100) == 1.0
    x, n, z = 50.0, 50.0, 1.9599639845400536
    assert wilson_upper(x, n) == (2 * x + z**2 + z * math.sqrt(z**2 + 4 * x * (1 - x / n))) / (2 * (n + z**2))


def test_poisson_switch_at_ten():
    lower, upper = poisson_limits([9, 10, np.nan])
    assert lower[0] == exact_lower(9) and upper[0] == exact_upper(9)
    assert lower[1] == byars_lower(10) and upper[1] == byars_upper(10)
    assert np.isnan(lower[2]) and np.isnan(upper[2])
    assert list(poisson_method([0, 9, 10, np.nan])) == ["Exact", "Exact", "Byars", None]


def test_confidence_helpers():
    assert ci_columns((0.95, 0.998)) == [("lower_ci", "upper_ci"), ("lower_ci_998", "upper_ci_998")]
    assert level_suffix(99) == "99" and level_suffix(0.998) == "998"
    assert levels_text((0.95, 0.998)) == "95%, 99.8%" and levels_text(95) == "95%"
    assert one_or_two_levels(95) == (0.95,)
    with pytest.raises(ValueError, match="0.95 and 0.998"):
        one_or_two_levels((95, 99.8))
    with pytest.raises(ValueError, match="maximum of two"):
        one_or_two_levels((0.9, 0.95, 0.998))
    with pytest.raises(ValueError):
        one_or_two_levels(0.8)


# --- the package's test data ------------------------------------------------------------------


def test_byars_wilson_reference_sheet(shared_reference):
    sheet = pd.read_excel(shared_reference / "phe-indicator-methods" / "testdata_Byars_Wilson.xlsx")
    assert len(sheet) == 13
    matched = 0
    for row in sheet.itertuples():
        level = 0.95 if row.confidence == "95%" else 0.998
        if row.method == "Byars":
            lower, upper = byars_lower(row.x, level), byars_upper(row.x, level)
        else:
            lower, upper = wilson_lower(row.x, row.n, level), wilson_upper(row.x, row.n, level)
        if np.isnan(row.lowercl):
            assert np.isnan(lower)
        else:
            assert lower == pytest.approx(row.lowercl, rel=1e-13, abs=1e-13)
        assert upper == pytest.approx(row.uppercl, rel=1e-13, abs=1e-13)
        matched += 1
    assert matched == 13  # 7 Byars rows (incl. NA lower at x = 1, 99.8 %) + 6 Wilson rows
