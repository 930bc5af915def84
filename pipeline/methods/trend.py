"""Recent trend of a time series, as the Fingertips trend markers test it.

Reference: OHID Fingertips technical guidance, "Fingertips trend markers"; the Fingertips trend
calculator (PholioVisualisation TrendMarkerCalculator).

Applied to the most recent five points of a series of independent (non-overlapping) periods, at the
99.8 % level:

Proportions (needs counts r and denominators n; time points t = 1 … 5): the chi-squared test for
linear trend (Armitage 1955; Altman, *Practical Statistics for Medical Research*, 1991, §10.7.4),
with R = Σr, N = Σn,

    χ² = N · (N·Σ r·t − R·Σ n·t)² / ( R · (N − R) · (N·Σ n·t² − (Σ n·t)²) )
    slope sign = sign(N·Σ r·t − R·Σ n·t)

Every other value type (needs 95 % limits L, U): inverse-variance weighted least squares of the value
on t, with SE = (U − L)/(2·1.96) as Fingertips computes it (3.92 = 2·1.96 in its code) and w = 1/SE²,

    β = (Σw·Σw·v·t − Σw·t·Σw·v) / (Σw·Σw·t² − (Σw·t)²),   SE(β) = √(Σw / (Σw·Σw·t² − (Σw·t)²)),
    χ² = (β / SE(β))²

A trend is significant when χ² > χ²₁(0.998) = 9.549535706… AND the slope keeps its sign when each
of the five points is left out in turn (Fingertips' outlier check: all six slopes share a sign).
Fewer than five usable points (missing value, limits, count or denominator) → "cannot be calculated".
The label is polarity-aware: an increasing trend is "improving" when higher is better.
"""

from __future__ import annotations

import numpy as np

POINTS = 5
CHI2_998 = 9.549535706083239  # χ²₁ quantile at 0.998 = 3.090232306167813²
SE_DIVISOR = 3.92  # Fingertips: (upper − lower) / 3.92

IMPROVING, WORSENING, NO_CHANGE, CANNOT = ("improving", "worsening", "no significant change", "cannot be calculated")


def _leave_one_out_masks(points: int = POINTS) -> np.ndarray:
    """(points + 1, points) boolean: row 0 keeps all, row k leaves point k − 1 out."""
    masks = np.ones((points + 1, points), dtype=bool)
    masks[np.arange(1, points + 1), np.arange(points)] = False
    return masks


def proportion_trend(count: np.ndarray, denominator: np.ndarray) -> dict[str, np.ndarray]:
    """Chi-squared test for trend on series of counts/denominators shaped (series, 5), oldest first.

    Returns arrays per series: `chi2` (all points), `slope_sign` (+1/−1/0), `stable` (same sign under
    every leave-one-out) and `valid` (five complete points)."""
    r = np.asarray(count, dtype=float)
    n = np.asarray(denominator, dtype=float)
    valid = np.isfinite(r).all(axis=1) & np.isfinite(n).all(axis=1) & (n > 0).all(axis=1)
    t = np.arange(1, r.shape[1] + 1, dtype=float)
    masks = _leave_one_out_masks(r.shape[1]).astype(float)  # (6, 5)
    rs, ns = np.nan_to_num(r), np.nan_to_num(n)
    R, N = rs @ masks.T, ns @ masks.T  # (series, 6)
    Rt, Nt, Nt2 = (rs * t) @ masks.T, (ns * t) @ masks.T, (ns * t * t) @ masks.T
    numerator = N * Rt - R * Nt
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = N[:, 0] * numerator[:, 0] ** 2 / (R[:, 0] * (N[:, 0] - R[:, 0]) * (N[:, 0] * Nt2[:, 0] - Nt[:, 0] ** 2))
    signs = np.sign(numerator)
    stable = (signs == signs[:, :1]).all(axis=1) & (signs[:, 0] != 0)
    return {
        "chi2": np.where(valid, chi2, np.nan),
        "slope_sign": np.where(valid, signs[:, 0], 0),
        "stable": valid & stable,
        "valid": valid,
    }


def weighted_trend(value: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> dict[str, np.ndarray]:
    """Inverse-variance weighted regression on t for series shaped (series, 5), oldest first.

    Returns `slope` (units per period), `chi2`, `slope_sign`, `stable` and `valid` per series."""
    v = np.asarray(value, dtype=float)
    se = (np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)) / SE_DIVISOR
    valid = np.isfinite(v).all(axis=1) & np.isfinite(se).all(axis=1) & (se > 0).all(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(valid[:, None], 1.0 / se**2, 0.0)
    v = np.where(valid[:, None], v, 0.0)
    t = np.arange(1, v.shape[1] + 1, dtype=float)
    masks = _leave_one_out_masks(v.shape[1]).astype(float)
    s1, s2 = w @ masks.T, (w * v * t) @ masks.T
    s3, s4, s5 = (w * t) @ masks.T, (w * v) @ masks.T, (w * t * t) @ masks.T
    with np.errstate(divide="ignore", invalid="ignore"):
        determinant = s1 * s5 - s3**2
        slope = (s1 * s2 - s3 * s4) / determinant
        chi2 = slope[:, 0] ** 2 / (s1[:, 0] / determinant[:, 0])
    signs = np.sign(slope)
    stable = (signs == signs[:, :1]).all(axis=1) & (signs[:, 0] != 0)
    return {
        "slope": np.where(valid, slope[:, 0], np.nan),
        "chi2": np.where(valid, chi2, np.nan),
        "slope_sign": np.where(valid, signs[:, 0], 0),
        "stable": valid & stable,
        "valid": valid,
    }


def trend_label(result: dict[str, np.ndarray], higher_is_better: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polarity-aware label and reason per series from a proportion_trend/weighted_trend result."""
    chi2, sign, stable, valid = result["chi2"], result["slope_sign"], result["stable"], result["valid"]
    significant = valid & (np.nan_to_num(chi2) > CHI2_998) & stable
    better = np.where(np.asarray(higher_is_better, dtype=bool), sign > 0, sign < 0)
    label = np.where(~valid, CANNOT, np.where(significant, np.where(better, IMPROVING, WORSENING), NO_CHANGE))
    reason = np.where(
        ~valid,
        "fewer than five consecutive points with the values the test needs",
        np.where(
            significant,
            "χ² above the 99.8 % threshold and the same direction without any one point",
            np.where(
                np.nan_to_num(chi2) > CHI2_998,
                "direction changes when one point is left out",
                "χ² below the 99.8 % threshold",
            ),
        ),
    )
    return label, reason
