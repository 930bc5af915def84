"""Confidence limits for counts and for a proportion of a count: the primitives every other method uses
(methods.md section 0).

All functions take array-likes (or scalars) and return float64 arrays of the broadcast shape; a missing
input (NaN) gives a missing output. ``confidence`` is a level such as 0.95 (or 95); the two-sided
normal quantile is z = Phi^-1(c + (1 - c)/2) (`pipeline.methods.confidence.z_value`): 1.959963984540054
at 95 %, 3.090232306167813 at 99.8 %.

References: Breslow NE, Day NE (1987), *Statistical Methods in Cancer Research*, volume II: the design
and analysis of cohort studies (IARC), for Byars' approximation; Armitage P, Berry G (2002),
*Statistical Methods in Medical Research*, 4th ed., for exact Poisson limits; Wilson EB (1927),
"Probable inference, the law of succession, and statistical inference", J Am Stat Assoc 22, and
Newcombe RG, Altman DG (2000), "Proportions and their differences", in *Statistics with Confidence*,
2nd ed., for the Wilson score interval. Reproduces PHEindicatormethods 2.1.0 (`byars_lower`,
`byars_upper`, `wilson_lower`, `wilson_upper`, and the exact limits written inline in `phe_rate`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import special

from pipeline.methods._typing import ArrayLike, BoolArray, FloatArray, IntArray, ObjectArray
from pipeline.methods.confidence import normalise_level, z_value

EXACT_BELOW = 10  # counts below this use exact Poisson limits in rates and ISRs; Byars from 10 up


def _float(values: ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=float)


def numerators_and_denominators(x: ArrayLike, n: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """`x` and `n` as float arrays, checked as PHEindicatormethods checks counts and denominators:
    numerators ≥ 0 and denominators > 0 (a ValueError with its message otherwise; NaN passes)."""
    numerators, denominators = _float(x), _float(n)
    with np.errstate(invalid="ignore"):
        if np.any(numerators < 0):
            raise ValueError("numerators must be greater than or equal to zero")
        if np.any(denominators <= 0):
            raise ValueError("denominators must be greater than zero")
    return numerators, denominators


def byars_lower(x: ArrayLike, confidence: float = 0.95) -> FloatArray:
    """Byars' lower confidence limit for an observed Poisson count x.

    L = x · (1 − 1/(9x) − z/(3√x))³, set to missing when negative (small x at high confidence, e.g.
    x = 1 at 99.8 %) and missing for x = 0 (the formula is undefined there).
    CI method: Byars' approximation to the exact Poisson limits. Reference: Breslow & Day (1987).

    Example:
    >>> byars_lower([100]).round(4).tolist()
    [81.3621]
    """
    x = _float(x)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
    return np.where(lower < 0, np.nan, lower)


def byars_upper(x: ArrayLike, confidence: float = 0.95) -> FloatArray:
    """Byars' upper confidence limit for an observed Poisson count x.

    U = (x + 1) · (1 − 1/(9(x + 1)) + z/(3√(x + 1)))³.
    CI method: Byars' approximation to the exact Poisson limits. Reference: Breslow & Day (1987).

    Example:
    >>> byars_upper([100]).round(4).tolist()
    [121.6279]
    """
    x1 = _float(x) + 1
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        return x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3


def exact_lower(x: ArrayLike, confidence: float = 0.95) -> FloatArray:
    """Exact Poisson lower confidence limit for an observed count x.

    L = χ²_{(1−c)/2}(2x) / 2, the (1−c)/2 quantile of the chi-squared distribution with 2x degrees of
    freedom, halved (computed as the inverse regularised incomplete gamma function at (1−c)/2 with
    shape x); L = 0 for x = 0, as R's qchisq gives for zero degrees of freedom.
    CI method: exact (Poisson). Reference: Armitage & Berry (2002).

    Example:
    >>> exact_lower([0, 5]).round(4).tolist()
    [0.0, 1.6235]
    """
    x = _float(x)
    c = normalise_level(confidence)
    with np.errstate(invalid="ignore"):
        lower = special.gammaincinv(x, (1 - c) / 2)
    return np.where(x == 0, 0.0, lower)


def exact_upper(x: ArrayLike, confidence: float = 0.95) -> FloatArray:
    """Exact Poisson upper confidence limit for an observed count x.

    U = χ²_{c+(1−c)/2}(2x + 2) / 2 (inverse regularised incomplete gamma at c + (1−c)/2, shape x + 1).
    For x = 0 at 95 % this is 3.688879.
    CI method: exact (Poisson). Reference: Armitage & Berry (2002).

    Example:
    >>> exact_upper([0, 5]).round(4).tolist()
    [3.6889, 11.6683]
    """
    x = _float(x)
    c = normalise_level(confidence)
    with np.errstate(invalid="ignore"):
        return cast(FloatArray, special.gammaincinv(x + 1, c + (1 - c) / 2))


def poisson_limits(x: ArrayLike, confidence: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Confidence limits for a Poisson count x: exact limits when x < 10, Byars' limits when x ≥ 10.

    The switch used by crude rates (methods.md §2) and indirectly standardised ratios/rates (§5).
    Missing x gives missing limits. References: Armitage & Berry (2002); Breslow & Day (1987).

    Example:
    >>> lower, upper = poisson_limits([5, 100])   # exact below 10, Byars from 10
    >>> lower.round(4).tolist(), upper.round(4).tolist()
    ([1.6235, 81.3621], [11.6683, 121.6279])
    """
    x = _float(x)
    exact = x < EXACT_BELOW
    lower = np.where(exact, exact_lower(x, confidence), byars_lower(x, confidence))
    upper = np.where(exact, exact_upper(x, confidence), byars_upper(x, confidence))
    return lower, upper


def poisson_method(x: ArrayLike) -> ObjectArray:
    """Name of the limits `poisson_limits` uses per count: "Exact" (x < 10), "Byars" (x ≥ 10), None if x is missing.

    Example:
    >>> poisson_method([5, 10, float("nan")]).tolist()
    ['Exact', 'Byars', None]
    """
    x = _float(x)
    names = np.where(x < EXACT_BELOW, "Exact", "Byars").astype(object)
    names[np.isnan(x)] = None
    return names


def _wilson(x: ArrayLike, n: ArrayLike, confidence: float, sign: float) -> FloatArray:
    x = _float(x)
    n = _float(n)
    c = normalise_level(confidence)
    if c == 1:
        return np.where(np.isnan(x + n), np.nan, 0.0 if sign < 0 else 1.0)
    z = z_value(c)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (2 * x + z**2 + sign * z * np.sqrt(z**2 + 4 * x * (1 - x / n))) / (2 * (n + z**2))


def wilson_lower(x: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> FloatArray:
    """Wilson score lower confidence limit for the proportion x/n.

    L = (2x + z² − z·√(z² + 4x(1 − x/n))) / (2(n + z²)); 0 when the level is 100 %. Not clamped.
    CI method: Wilson score interval. References: Wilson (1927); Newcombe & Altman (2000).

    Example:
    >>> wilson_lower([10], [100]).round(4).tolist()   # 10 in 100, 95 %
    [0.0552]
    """
    return _wilson(x, n, confidence, -1.0)


def wilson_upper(x: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> FloatArray:
    """Wilson score upper confidence limit for the proportion x/n.

    U = (2x + z² + z·√(z² + 4x(1 − x/n))) / (2(n + z²)); 1 when the level is 100 %. Not clamped, so
    x = n can give a value a rounding error away from 1, exactly as R does.
    CI method: Wilson score interval. References: Wilson (1927); Newcombe & Altman (2000).

    Example:
    >>> wilson_upper([10], [100]).round(4).tolist()
    [0.1744]
    """
    return _wilson(x, n, confidence, 1.0)


# ---------------------------------------------------------------------------------------------
# Helpers shared by the DataFrame-level functions of every method module (no statistics here).
# ---------------------------------------------------------------------------------------------


def _as_list(group_by: Sequence[str] | str | None) -> list[str]:
    if group_by is None:
        return []
    if isinstance(group_by, str):
        return [group_by]
    return list(group_by)


def _require_columns(df: pd.DataFrame, columns: Sequence[str], method: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{method}: column(s) {', '.join(repr(c) for c in missing)} not found in the data")


def _numeric(df: pd.DataFrame, column: str, method: str) -> FloatArray:
    """Column as float64 (missing -> NaN); a column that is not numeric is an error."""
    values = df[column]
    try:
        return pd.to_numeric(values, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{method}: column {column!r} must be numeric") from exc


def _group_codes(df: pd.DataFrame, group_by: list[str]) -> tuple[IntArray, pd.DataFrame]:
    """Integer code per row (groups in sorted key order, as dplyr's group_by orders them; missing keys
    form their own group, last) and a frame of the group keys, one row per code."""
    if not group_by:
        return cast(IntArray, np.zeros(len(df), dtype=np.intp)), pd.DataFrame(index=range(1 if len(df) else 0))
    codes = df.groupby(group_by, sort=True, dropna=False, observed=True).ngroup().to_numpy(dtype=np.intp)
    first = np.unique(codes, return_index=True)[1]
    keys = df[group_by].iloc[first].reset_index(drop=True)
    return cast(IntArray, codes), keys


def _group_sum(codes: IntArray, values: FloatArray, ngroups: int) -> FloatArray:
    """Plain sum per group: any missing value makes the group's sum missing (R's sum without na.rm)."""
    return cast(FloatArray, np.bincount(codes, weights=values, minlength=ngroups))  # float64 with weights


def _group_sum_na_rm(codes: IntArray, values: FloatArray, ngroups: int) -> FloatArray:
    """Sum per group ignoring missing values (R's sum(na.rm = TRUE))."""
    return cast(FloatArray, np.bincount(codes, weights=np.nan_to_num(values, nan=0.0), minlength=ngroups))


def _group_any(codes: IntArray, mask: BoolArray, ngroups: int) -> BoolArray:
    return np.bincount(codes, weights=mask.astype(float), minlength=ngroups) > 0


def _format_number(m: float) -> str:
    """A multiplier as R's format(m, scientific = FALSE) prints it: 100000 -> '100000', 0.5 -> '0.5'."""
    m = float(m)
    if m.is_integer():
        return str(int(m))
    return np.format_float_positional(m, trim="-")


def count_frame(
    df: pd.DataFrame,
    group_by: Sequence[str] | str | None,
    count: str,
    population: str,
    method: str,
    compute: Callable[..., dict[str, Any]],
    confidence: float | Sequence[float] | None,
    multiplier: float,
    statistic: str,
    fixed_method: str | None = None,
) -> pd.DataFrame:
    """The DataFrame form shared by proportion and rate (methods.md §0 "Grouping"): check the columns,
    validate the rows as given, sum counts and populations per group when there are two or more groups
    (one row per group, sorted by the keys), apply `compute(x, n, confidence, multiplier)` and add the
    metadata columns `confidence`, `statistic` and `method`."""
    group_by = _as_list(group_by)
    _require_columns(df, [count, population, *group_by], method)
    x = _numeric(df, count, method)
    n = _numeric(df, population, method)
    compute(x, n, None)  # validate the rows as given, before any summing
    codes, keys = _group_codes(df, group_by)
    if group_by and len(keys) > 1:
        out = keys.copy()
        out[count] = _group_sum(codes, x, len(keys))
        out[population] = _group_sum(codes, n, len(keys))
        x, n = out[count].to_numpy(), out[population].to_numpy()
    else:
        out = df.copy()
    results = compute(x, n, confidence, multiplier)
    row_method = results.pop("method", None)
    for name, values in results.items():
        out[name] = values
    if confidence is not None:
        from pipeline.methods.confidence import levels_text, one_or_two_levels

        out["confidence"] = levels_text(one_or_two_levels(confidence))
    out["statistic"] = statistic
    if confidence is not None:
        out["method"] = fixed_method if fixed_method is not None else row_method
    return out.reset_index(drop=True)
