"""Indirectly standardised ratios and rates with exact/Byars confidence intervals (methods.md §5;
PHEindicatormethods 2.1.0 `calculate_ISRatio` and `calculate_ISRate`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.methods._typing import AnyArray, ArrayLike, FloatArray, IntArray
from pipeline.methods.confidence import ci_columns, levels_text, one_or_two_levels
from pipeline.methods.counts import (
    _as_list,
    _format_number,
    _group_codes,
    _group_sum,
    _group_sum_na_rm,
    _numeric,
    _require_columns,
    poisson_limits,
    poisson_method,
)


def expected_count(n: ArrayLike, x_ref: ArrayLike, n_ref: ArrayLike, groups: ArrayLike | None = None) -> FloatArray:
    """Expected events per group: E = Σ na0(x_ref)/n_ref · na0(n), summed over the age bands of each group.

    x_ref, n_ref: reference events and population of each band; n: the group's population in the band
    (a missing n or x_ref counts as 0). Reference: Breslow & Day (1987).

    Example:
    >>> round(float(expected_count([100, 100], [1, 2], [1000, 1000])[0]), 6)   # 1/1000·100 + 2/1000·100
    0.3
    """
    population: FloatArray = np.nan_to_num(np.asarray(n, dtype=float), nan=0.0)
    reference_count: FloatArray = np.nan_to_num(np.asarray(x_ref, dtype=float), nan=0.0)
    reference_population = np.asarray(n_ref, dtype=float)
    codes: IntArray = np.zeros(len(population), dtype=np.intp) if groups is None else np.asarray(groups, dtype=np.intp)
    ngroups = int(codes.max()) + 1 if len(codes) else 0
    return _group_sum(codes, reference_count / reference_population * population, ngroups)


def isr(
    observed: ArrayLike, expected: ArrayLike, confidence: float | Sequence[float] = 0.95, scale: ArrayLike = 1.0
) -> dict[str, AnyArray]:
    """Indirectly standardised ratio O/E (times ``scale``) with confidence limits for O.

    Formula: value = O / E · s, where s is the reference value for a ratio (1, or 100 for "x 100") or
    the reference rate Σx_ref/Σn_ref · m for an indirectly standardised rate.
    CI method: limits L(O)/E · s and U(O)/E · s, with exact Poisson limits of O when O < 10
    (χ²_{(1−c)/2}(2O)/2, χ²_{c+(1−c)/2}(2O+2)/2; lower 0 when O = 0) and Byars' limits when O ≥ 10.
    References: Breslow NE & Day NE (1987), *Statistical Methods in Cancer Research* vol. II (IARC);
    Armitage P & Berry G (2002), *Statistical Methods in Medical Research*, 4th ed.

    Returns arrays ``value``, ``lower_ci``/``upper_ci`` per level (further levels suffixed) and
    ``method`` ("Exact" where O < 10, else "Byars").

    Example:
    >>> out = isr([12], [10.0])                    # 12 observed where 10 were expected
    >>> out["value"].tolist(), out["lower_ci"].round(4).tolist(), out["method"].tolist()
    ([1.2], [0.6194], ['Byars'])
    """
    observed = np.asarray(observed, dtype=float)
    expected = np.asarray(expected, dtype=float)
    scale = np.asarray(scale, dtype=float)
    levels = one_or_two_levels(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {"value": observed / expected * scale}
        for level, (lower, upper) in zip(levels, ci_columns(levels)):
            low, high = poisson_limits(observed, level)
            out[lower] = low / expected * scale
            out[upper] = high / expected * scale
    out["method"] = poisson_method(observed)
    return out


def isr_frame(
    df: pd.DataFrame,
    group_by: Sequence[str] = (),
    confidence: float | Sequence[float] = 0.95,
    multiplier: float | None = None,
    *,
    rate: bool = False,
    count: str = "count",
    population: str = "population",
    reference_count: str | Sequence[float] = "reference_count",
    reference_population: str | Sequence[float] = "reference_population",
    observed_totals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Indirectly standardised ratios (default) or rates (``rate=True``) per group, with exact/Byars CIs.

    Input: one row per group and age band with ``count`` (observed events x; missing ignored),
    ``population`` (n ≥ 0; missing counts as 0; a band with n = 0 contributes nothing) and the reference
    events/population of the band: ``reference_count``/``reference_population`` name columns, or are
    sequences matched by row position within every group (each group must then have that many rows).
    Every group must have the same number of rows. ``observed_totals`` (optional): a frame with the
    group columns and a ``count`` column giving O per group (instead of summing x).
    Formulae, per group:
        E = Σ na0(x_ref)/n_ref · na0(n),  O = Σx;
        ratio: value = O/E · m (m = ``multiplier``, default 1; "indirectly standardised ratio x <m>");
        rate:  ref_rate = Σx_ref/Σn_ref · m (m default 100 000), value = O/E · ref_rate
               ("indirectly standardised rate per <m>").
    CI: exact Poisson limits of O when O < 10, Byars' when O ≥ 10, divided by E and scaled like the
    value (see `isr`). Output, one row per group (sorted by the keys): the group columns, ``observed``,
    ``expected``, [``ref_rate``], ``value``, ``lower_ci``, ``upper_ci`` (+ ``lower_ci_998``,
    ``upper_ci_998``), ``confidence``, ``statistic``, ``method``. Errors: x < 0, n < 0, unequal rows per
    group, reference vectors of the wrong length.
    References: Breslow & Day (1987); Armitage & Berry (2002). Reproduces PHEindicatormethods 2.1.0
    `calculate_ISRatio` / `calculate_ISRate` (methods.md §5).
    """
    group_by = _as_list(group_by)
    if multiplier is None:
        multiplier = 100000 if rate else 1
    name = "isr"
    needed = [count, population, *group_by]
    needed += [c for c in (reference_count, reference_population) if isinstance(c, str)]
    if observed_totals is not None:
        needed.remove(count)  # O comes from observed_totals[count]
    _require_columns(df, needed, name)
    codes, keys = _group_codes(df, group_by)
    ngroups = len(keys)
    rows = np.bincount(codes, minlength=ngroups)
    if len(set(rows.tolist())) > 1:
        raise ValueError("data must contain the same number of rows for each group")
    position = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    x_ref = _reference(df, reference_count, position, rows, "x_ref")
    n_ref = _reference(df, reference_population, position, rows, "n_ref")
    n = _numeric(df, population, name)
    if np.any(n < 0):
        raise ValueError("denominators must all be greater than or equal to zero")
    if observed_totals is None:
        x = _numeric(df, count, name)
        if np.any(x < 0):
            raise ValueError("numerators must all be greater than or equal to zero")
        observed = _group_sum_na_rm(codes, x, ngroups)
    else:
        observed = _observed_from_totals(keys, group_by, observed_totals, count)
    expected = expected_count(n, x_ref, n_ref, codes)
    out = keys.copy() if group_by else pd.DataFrame(index=range(ngroups))
    out["observed"] = observed
    out["expected"] = expected
    scale: FloatArray | float
    if rate:
        ref_rate = _group_sum_na_rm(codes, x_ref, ngroups) / _group_sum(codes, n_ref, ngroups) * multiplier
        out["ref_rate"] = ref_rate
        scale = ref_rate
        statistic = f"indirectly standardised rate per {_format_number(multiplier)}"
    else:
        scale = multiplier
        statistic = f"indirectly standardised ratio x {_format_number(multiplier)}"
    results = isr(observed, expected, confidence, scale)
    method = results.pop("method")
    for column, values in results.items():
        out[column] = values
    out["confidence"] = levels_text(one_or_two_levels(confidence))
    out["statistic"] = statistic
    out["method"] = method
    return out


def _reference(
    df: pd.DataFrame, spec: str | Sequence[float], position: AnyArray, rows: AnyArray, label: str
) -> FloatArray:
    if isinstance(spec, str):
        return _numeric(df, spec, "isr")
    vector = np.asarray(spec, dtype=float)
    if len(rows) and rows[0] != len(vector):
        raise ValueError(f"{label} length must equal number of rows in each group within data")
    return vector[position]


def _observed_from_totals(keys: pd.DataFrame, group_by: list[str], totals: pd.DataFrame, count: str) -> FloatArray:
    shared = [c for c in group_by if c in totals.columns]
    value_columns = [c for c in totals.columns if c not in shared]
    column = count if count in totals.columns else (value_columns[0] if len(value_columns) == 1 else None)
    if column is None:
        raise ValueError(f"observed_totals needs the group columns and a {count!r} column")
    merged = keys.merge(totals[shared + [column]], on=shared, how="left") if shared else None
    if merged is None:
        return np.repeat(float(pd.to_numeric(totals[column]).sum()), len(keys))
    return pd.to_numeric(merged[column]).to_numpy(dtype=float)
