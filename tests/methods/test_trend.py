"""Fingertips recent-trend tests on hand-computed series."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.methods.trend import (
    CANNOT,
    CHI2_998,
    IMPROVING,
    NO_CHANGE,
    WORSENING,
    proportion_trend,
    trend_label,
    weighted_trend,
)


def test_threshold_is_the_998_chi_squared_quantile():
    assert CHI2_998 == pytest.approx(3.090232306167813**2, rel=1e-14)  # noqa: SIM300 (a constant, not a yoda)


def test_chi_squared_for_trend_matches_a_hand_computation():
    r = np.array([[10, 20, 30, 40, 50]], dtype=float)
    n = np.full((1, 5), 1000.0)
    # R = 150, N = 5000, Σrt = 10+40+90+160+250 = 550, Σnt = 15000, Σnt² = 55000
    # numerator = 5000·550 − 150·15000 = 500000; χ² = 5000·500000² / (150·4850·(5000·55000 − 15000²))
    expected = 5000 * 500000**2 / (150 * 4850 * (5000 * 55000 - 15000**2))
    result = proportion_trend(r, n)
    assert result["chi2"][0] == pytest.approx(expected)  # 34.36
    assert result["slope_sign"][0] == 1 and result["stable"][0]
    label, _ = trend_label(result, np.array([False]))
    assert label[0] == WORSENING  # a rising proportion where lower is better


def test_weighted_regression_recovers_a_straight_line_and_its_standard_error():
    v = np.array([[70.0, 70.5, 71.0, 71.5, 72.0]])
    se = 0.1
    result = weighted_trend(v, v - 1.96 * se, v + 1.96 * se)
    assert result["slope"][0] == pytest.approx(0.5)
    # equal weights w = 1/SE² with SE = 3.92·0.1/3.92: SE(β) = SE/√Σ(t − t̄)² = 0.1/√10
    assert result["chi2"][0] == pytest.approx((0.5 / (0.1 / np.sqrt(10))) ** 2)
    label, reason = trend_label(result, np.array([True]))
    assert label[0] == IMPROVING and "99.8" in reason[0]


def test_a_trend_that_flips_sign_when_one_point_is_left_out_is_not_significant():
    # one big jump at the last point drives the slope; without it the series falls
    v = np.array([[10.0, 9.9, 9.8, 9.7, 14.0]])
    result = weighted_trend(v, v - 0.1, v + 0.1)
    assert result["chi2"][0] > CHI2_998
    assert not result["stable"][0]
    label, reason = trend_label(result, np.array([True]))
    assert label[0] == NO_CHANGE and "left out" in reason[0]


def test_missing_points_cannot_be_calculated_and_flat_series_show_no_change():
    v = np.array([[1.0, 2.0, np.nan, 4.0, 5.0], [5.0, 5.0, 5.0, 5.0, 5.0]])
    result = weighted_trend(v, v - 1, v + 1)
    label, _ = trend_label(result, np.array([True, True]))
    assert list(label) == [CANNOT, NO_CHANGE]
    props = proportion_trend(np.array([[1, 2, 3, 4, np.nan]]), np.array([[10, 10, 10, 10, 10]]))
    assert trend_label(props, np.array([True]))[0][0] == CANNOT
