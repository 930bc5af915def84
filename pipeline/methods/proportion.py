"""Proportions with Wilson score confidence intervals (methods.md §1; PHEindicatormethods 2.1.0
`phe_proportion`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.methods._typing import ArrayLike, FloatArray
from pipeline.methods.confidence import ci_columns, one_or_two_levels
from pipeline.methods.counts import _format_number, count_frame, numerators_and_denominators, wilson_lower, wilson_upper

METHOD = "Wilson"


def _statistic(multiplier: float) -> str:
    return "percentage" if multiplier == 100 else f"proportion of {_format_number(multiplier)}"


def proportion(
    x: ArrayLike, n: ArrayLike, confidence: float | Sequence[float] | None = 0.95, multiplier: float = 1
) -> dict[str, FloatArray]:
    """Proportion of x (cases with the attribute) in n (the sample size), with Wilson score limits.

    Formula: value = x / n · m (m = multiplier: 1 for a proportion, 100 for a percentage).
    CI method: Wilson score interval, limits (2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²)) · m, with
    z = Φ⁻¹(c + (1 − c)/2); at c = 100 % the limits are 0 and m. One level, or exactly the pair
    (0.95, 0.998); None gives the value only. Missing x or n gives missing outputs.
    Errors: x < 0, n ≤ 0, x > n.
    References: Wilson EB (1927), "Probable inference, the law of succession, and statistical
    inference", J Am Stat Assoc 22:209–212; Newcombe RG & Altman DG (2000), "Proportions and their
    differences", in Altman et al., *Statistics with Confidence*, 2nd ed. (BMJ Books).

    Returns a dict of arrays: ``value`` and, per level, ``lower_ci``/``upper_ci`` (further levels
    suffixed, e.g. ``lower_ci_998``).

    Example:
    >>> out = proportion([10], [100])          # 10 cases in a sample of 100, 95 % Wilson limits
    >>> {name: values.round(4).tolist() for name, values in out.items()}
    {'value': [0.1], 'lower_ci': [0.0552], 'upper_ci': [0.1744]}
    """
    x, n = numerators_and_denominators(x, n)
    with np.errstate(invalid="ignore"):
        if np.any(x > n):
            raise ValueError("numerators must be less than or equal to denominator for a proportion statistic")
    out = {"value": x / n * multiplier}
    if confidence is None:
        return out
    levels = one_or_two_levels(confidence)
    for level, (lower, upper) in zip(levels, ci_columns(levels)):
        out[lower] = wilson_lower(x, n, level) * multiplier
        out[upper] = wilson_upper(x, n, level) * multiplier
    return out


def proportion_frame(
    df: pd.DataFrame,
    group_by: Sequence[str] = (),
    confidence: float | Sequence[float] | None = 0.95,
    multiplier: float = 1,
    *,
    count: str = "count",
    population: str = "population",
) -> pd.DataFrame:
    """Proportions with Wilson score intervals for every row, or for every group, of ``df``.

    Input columns: ``count`` (numerator x) and ``population`` (denominator n). Ungrouped, or when
    ``group_by`` yields a single group, every row is computed and all input columns are kept (as the
    R package does). With two or more groups, x and n are first summed per group with a plain sum (a
    missing value anywhere in a group makes the group's result missing) and the output has one row per
    group (sorted by the group keys): the group columns, the summed ``count`` and ``population``.
    Output columns added: ``value``, ``lower_ci``, ``upper_ci`` (and ``lower_ci_998``, ``upper_ci_998``
    with ``confidence=(0.95, 0.998)``), ``confidence`` ("95%" or "95%, 99.8%"), ``statistic``
    ("percentage" when multiplier = 100, else "proportion of <m>") and ``method`` ("Wilson");
    ``confidence=None`` adds ``value`` and ``statistic`` only.

    Formula: value = x/n · m; CI: Wilson score interval (see `proportion`). References: Wilson (1927);
    Newcombe & Altman (2000). Reproduces PHEindicatormethods 2.1.0 `phe_proportion` (methods.md §1).

    Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"area": ["A", "B"], "count": [10, 30], "population": [100, 100]})
    >>> out = proportion_frame(df, multiplier=100)
    >>> out[["area", "value", "lower_ci", "upper_ci"]].round(2).values.tolist()
    [['A', 10.0, 5.52, 17.44], ['B', 30.0, 21.89, 39.58]]
    >>> out["statistic"].iloc[0], out["method"].iloc[0]
    ('percentage', 'Wilson')
    """
    return count_frame(
        df,
        group_by,
        count,
        population,
        "proportion",
        proportion,
        confidence,
        multiplier,
        _statistic(multiplier),
        fixed_method=METHOD,
    )
