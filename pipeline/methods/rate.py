"""Crude rates with exact Poisson (count < 10) or Byars (count ≥ 10) confidence intervals
(methods.md §2; PHEindicatormethods 2.1.0 `phe_rate`)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pipeline.methods._typing import AnyArray, ArrayLike
from pipeline.methods.confidence import ci_columns, one_or_two_levels
from pipeline.methods.counts import (
    _format_number,
    count_frame,
    numerators_and_denominators,
    poisson_limits,
    poisson_method,
)


def rate(
    x: ArrayLike, n: ArrayLike, confidence: float | Sequence[float] | None = 0.95, multiplier: float = 100000
) -> dict[str, AnyArray]:
    """Crude rate of x events in a population (person-years) n, with Poisson confidence limits.

    Formula: value = x / n · m (m = multiplier, default per 100 000).
    CI method: if x < 10 the exact Poisson limits χ²_{(1−c)/2}(2x)/2 and χ²_{c+(1−c)/2}(2x+2)/2 (lower 0
    when x = 0), else (x ≥ 10) Byars' approximation x(1 − 1/(9x) − z/(3√x))³ and
    (x+1)(1 − 1/(9(x+1)) + z/(3√(x+1)))³; each limit is divided by n and multiplied by m. x > n is
    allowed. One level, or exactly the pair (0.95, 0.998); None gives the value only. Missing inputs
    give missing outputs. Errors: x < 0, n ≤ 0.
    References: Breslow NE & Day NE (1987), *Statistical Methods in Cancer Research*, vol. II (IARC),
    for Byars' method; Armitage P & Berry G (2002), *Statistical Methods in Medical Research*, 4th ed.
    (Blackwell), for the exact limits.

    Returns a dict of arrays: ``value``, ``lower_ci``/``upper_ci`` per level (further levels suffixed,
    e.g. ``lower_ci_998``) and ``method`` ("Exact", "Byars", or None where x is missing).

    Example:
    >>> out = rate([5, 100], [10000, 10000])   # per 100 000: exact limits for 5 events, Byars for 100
    >>> out["value"].tolist(), out["lower_ci"].round(2).tolist(), out["method"].tolist()
    ([50.0, 1000.0], [16.23, 813.62], ['Exact', 'Byars'])
    """
    x, n = numerators_and_denominators(x, n)
    out: dict[str, AnyArray] = {"value": x / n * multiplier}
    if confidence is None:
        return out
    levels = one_or_two_levels(confidence)
    for level, (lower, upper) in zip(levels, ci_columns(levels)):
        low, high = poisson_limits(x, level)
        out[lower] = low / n * multiplier
        out[upper] = high / n * multiplier
    out["method"] = poisson_method(x)
    return out


def rate_frame(
    df: pd.DataFrame,
    group_by: Sequence[str] = (),
    confidence: float | Sequence[float] | None = 0.95,
    multiplier: float = 100000,
    *,
    count: str = "count",
    population: str = "population",
) -> pd.DataFrame:
    """Crude rates with exact/Byars intervals for every row, or for every group, of ``df``.

    Input columns: ``count`` (events x) and ``population`` (n). Ungrouped, or when ``group_by`` yields
    a single group, every row is computed and all input columns are kept (as the R package does); with
    two or more groups x and n are summed per group with a plain sum (any missing value → missing
    result) and the output has one row per group (sorted by the keys) with the summed columns.
    Output columns added: ``value``, ``lower_ci``, ``upper_ci`` (+ ``lower_ci_998``, ``upper_ci_998``
    with ``confidence=(0.95, 0.998)``), ``confidence``, ``statistic`` ("rate per <m>") and ``method``
    ("Exact" where x < 10, "Byars" where x ≥ 10, missing where x is missing).

    Formula and CI: see `rate` (exact Poisson limits below 10 events, Byars from 10). References:
    Breslow & Day (1987); Armitage & Berry (2002). Reproduces PHEindicatormethods 2.1.0 `phe_rate`
    (methods.md §2).

    Example:
    >>> import pandas as pd
    >>> out = rate_frame(pd.DataFrame({"count": [100], "population": [10000]}))
    >>> out[["value", "lower_ci", "upper_ci"]].round(2).values.tolist(), out["statistic"].iloc[0]
    ([[1000.0, 813.62, 1216.28]], 'rate per 100000')
    """
    return count_frame(
        df, group_by, count, population, "rate", rate, confidence, multiplier, f"rate per {_format_number(multiplier)}"
    )
