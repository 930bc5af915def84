"""Means with Student's t confidence intervals (methods.md §3; PHEindicatormethods 2.1.0 `phe_mean`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from pipeline.methods._typing import ArrayLike, FloatArray
from pipeline.methods.confidence import ci_columns, levels_text, normalise_level, one_or_two_levels
from pipeline.methods.counts import _as_list, _group_codes, _group_sum, _numeric, _require_columns

STATISTIC = "mean"
METHOD = "Student's t-distribution"


def mean(
    x: ArrayLike, groups: ArrayLike | None = None, confidence: float | Sequence[float] = 0.95
) -> dict[str, FloatArray]:
    """Mean of x per group with a confidence interval from Student's t-distribution.

    ``groups``: integer group code per value (0 … G − 1), or None for one group.
    Formulae, per group: value_sum = Σx; value_count = number of values (missing ones counted);
    stdev = sample standard deviation (divisor count − 1); value = value_sum / value_count.
    CI method: value ∓ |t_{(1−c)/2, count−1}| · stdev / √count, the Student t quantile with count − 1
    degrees of freedom. A missing x makes its group's sum, SD and limits missing; a group of one value
    has no SD and no CI. One level, or exactly the pair (0.95, 0.998).
    Reference: Student (1908), "The probable error of a mean", Biometrika 6:1–25.

    Returns a dict of per-group arrays: ``value_sum``, ``value_count``, ``stdev``, ``value`` and
    ``lower_ci``/``upper_ci`` per level (further levels suffixed, e.g. ``lower_ci_998``).

    Example:
    >>> out = mean([1, 2, 3, 4, 5])             # mean 3, SD √2.5, t(0.975, 4) = 2.7764
    >>> out["value"].tolist(), out["stdev"].round(4).tolist(), out["lower_ci"].round(4).tolist()
    ([3.0], [1.5811], [1.0368])
    """
    x = np.asarray(x, dtype=float)
    levels = one_or_two_levels(confidence)
    codes = np.zeros(len(x), dtype=np.intp) if groups is None else np.asarray(groups, dtype=np.intp)
    ngroups = int(codes.max()) + 1 if len(codes) else 0
    total = _group_sum(codes, x, ngroups)
    count = np.bincount(codes, minlength=ngroups).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = total / count
        deviation = x - value[codes]
        stdev = np.sqrt(_group_sum(codes, deviation * deviation, ngroups) / (count - 1))
        stdev = np.where(count > 1, stdev, np.nan)
        out = {"value_sum": total, "value_count": count, "stdev": stdev, "value": value}
        for level, (lower, upper) in zip(levels, ci_columns(levels)):
            c = normalise_level(level)
            t = np.abs(special.stdtrit(count - 1, (1 - c) / 2))
            half = t * stdev / np.sqrt(count)
            out[lower] = value - half
            out[upper] = value + half
    return out


def mean_frame(
    df: pd.DataFrame, group_by: Sequence[str] = (), confidence: float | Sequence[float] = 0.95, *, value: str = "value"
) -> pd.DataFrame:
    """Mean of the ``value`` column per group (or overall), with Student's t confidence intervals.

    Always summarises: one row per group (sorted by the group keys), or one row for the whole frame.
    Output columns: the group columns, ``value_sum``, ``value_count`` (rows, missing values counted),
    ``stdev`` (sample SD), ``value`` (the mean), ``lower_ci``, ``upper_ci`` (+ ``lower_ci_998``,
    ``upper_ci_998`` with ``confidence=(0.95, 0.998)``), ``confidence``, ``statistic`` ("mean") and
    ``method`` ("Student's t-distribution").

    Formula and CI: see `mean` (value ∓ |t_{(1−c)/2, count−1}|·SD/√count). Reference: Student (1908).
    Reproduces PHEindicatormethods 2.1.0 `phe_mean` (methods.md §3).

    Example:
    >>> import pandas as pd
    >>> out = mean_frame(pd.DataFrame({"g": ["a", "a", "b", "b"], "value": [1, 3, 10, 20]}), "g")
    >>> out[["g", "value_count", "value"]].values.tolist()
    [['a', 2, 2.0], ['b', 2, 15.0]]
    """
    group_by = _as_list(group_by)
    _require_columns(df, [value, *group_by], "mean")
    x = _numeric(df, value, "mean")
    codes, keys = _group_codes(df, group_by)
    results = mean(x, codes, confidence)
    out = keys.copy() if group_by else pd.DataFrame(index=range(len(results["value"])))
    for name, values in results.items():
        out[name] = values
    out["value_count"] = out["value_count"].astype(np.int64)
    out["confidence"] = levels_text(one_or_two_levels(confidence))
    out["statistic"] = STATISTIC
    out["method"] = METHOD
    return out
