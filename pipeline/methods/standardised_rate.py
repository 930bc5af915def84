"""Directly standardised rates with Dobson confidence intervals, European Standard Population 2013
(methods.md §4; PHEindicatormethods 2.1.0 `calculate_dsr` and the soft-deprecated `phe_dsr`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pipeline.methods._typing import ArrayLike, FloatArray, IntArray
from pipeline.methods.confidence import ci_columns, levels_text, one_or_two_levels
from pipeline.methods.counts import (
    _as_list,
    _format_number,
    _group_codes,
    _group_sum,
    _numeric,
    _require_columns,
    byars_lower,
    byars_upper,
)

#: European Standard Population 2013, 19 five-year bands 0–4 … 85–89 and 90+ (sum 100 000); Eurostat's
#: 0 and 1–4 merged, 90–94 and 95+ merged.
ESP2013 = np.array(
    [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000],
    dtype=float,
)
ESP2013_START_AGES = tuple(range(0, 95, 5))
MIN_COUNT = 10
METHOD = "Dobson"
METHOD_NON_INDEPENDENT = "Dobson, with confidence adjusted for non-independent events"
STATISTIC_SUPPRESSED = "dsr NA for total count < 10"

_FIRST_INTEGER = re.compile(r"\D*(\d+)")


def start_ages(labels: ArrayLike) -> NDArray[np.int64]:
    """Start age of each age-band label: the first integer in it ("0-4" → 0, "90+" → 90, 85 → 85);
    -1 where a label has no integer.

    Example:
    >>> start_ages(["0-4", "5-9", "90+"]).tolist()
    [0, 5, 90]
    """
    series = pd.Series(labels)
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        return np.where(np.isnan(values), -1, values).astype(np.int64)
    found = series.astype(str).str.extract(_FIRST_INTEGER, expand=False)
    return pd.to_numeric(found, errors="coerce").fillna(-1).to_numpy(dtype=np.int64)


def dsr(
    x: ArrayLike,
    n: ArrayLike,
    stdpop: ArrayLike,
    groups: ArrayLike | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100000,
) -> dict[str, FloatArray]:
    """Directly standardised rate per group, with Dobson's confidence interval.

    Inputs, one element per age band and group: x events (missing counts as 0), n population (> 0),
    stdpop the standard population weight w (≥ 0); ``groups`` an integer code per element (or None).
    Formulae, per group (m = multiplier):
        O = Σx (total_count),  total_pop = Σn,
        DSR = Σ x_i w_i / n_i / Σ w_i,  value = DSR · m,
        V = Σ x_i (w_i / n_i)² / (Σ w_i)²  (variance of the DSR).
    CI method: Dobson et al.'s method, which scales Byars' limits L(O), U(O) of the total count:
        lower = value + √(V/O) · (L(O) − O) · m,   upper = value + √(V/O) · (U(O) − O) · m
    (Byars' limits whatever O is). If O < 10 the value and limits are not published (missing).
    References: Dobson AJ, Kuulasmaa K, Eberle E, Scherer J (1991), "Confidence intervals for weighted
    sums of Poisson parameters", Statistics in Medicine 10:457–462; Breslow NE & Day NE (1987),
    *Statistical Methods in Cancer Research* vol. II (IARC), for Byars' limits.

    Returns per-group arrays ``total_count``, ``total_pop``, ``value``, ``lower_ci``/``upper_ci`` per
    level (further levels suffixed, e.g. ``lower_ci_998``).

    Example:
    >>> out = dsr([10, 20], [1000, 1000], [5000, 5000])   # two bands of equal standard weight
    >>> out["value"].tolist(), out["lower_ci"].round(2).tolist(), out["upper_ci"].round(2).tolist()
    ([1500.0], [1011.85], [2141.42])
    """
    x = cast(FloatArray, np.nan_to_num(np.asarray(x, dtype=float), nan=0.0))
    n = np.asarray(n, dtype=float)
    w = np.asarray(stdpop, dtype=float)
    _validate(x, n, w, multiplier)
    codes = np.zeros(len(x), dtype=np.intp) if groups is None else np.asarray(groups, dtype=np.intp)
    ngroups = int(codes.max()) + 1 if len(codes) else 0
    weight = w / n
    observed = _group_sum(codes, x, ngroups)
    sum_w = _group_sum(codes, w, ngroups)
    rate = _group_sum(codes, x * weight, ngroups) / sum_w
    variance = _group_sum(codes, x * weight**2, ngroups) / sum_w**2
    return _dobson(observed, _group_sum(codes, n, ngroups), rate, variance, confidence, multiplier)


def dsr_non_independent(
    x: ArrayLike,
    n: ArrayLike,
    stdpop: ArrayLike,
    event_frequency: ArrayLike,
    age_band: ArrayLike,
    groups: ArrayLike | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100000,
) -> dict[str, FloatArray]:
    """Directly standardised rate when individuals can have more than one event (non-independent events).

    Each element gives x = the number of individuals with exactly f events (f = ``event_frequency``) in
    an age band (``age_band``, any label) of a group, with that band's population n and standard weight
    w (the same for every f; an error otherwise). Formulae, per group:
        X_a = Σ_f f · x_{a,f}  (events per age band),  O = Σ_a X_a,
        DSR = Σ_a X_a w_a / n_a / Σ_a w_a,
        V_f = Σ_a x_{a,f} (w_a / n_a)² / (Σ_a w_a)²  (within each frequency level f),  V = Σ_f f² V_f.
    CI method: Dobson's method as in `dsr` with this V (the variance inflated for repeat events); value
    and limits missing when O < 10. References: Dobson et al. (1991); Breslow & Day (1987).
    """
    x = cast(FloatArray, np.nan_to_num(np.asarray(x, dtype=float), nan=0.0))
    n = np.asarray(n, dtype=float)
    w = np.asarray(stdpop, dtype=float)
    f = np.asarray(event_frequency, dtype=float)
    _validate(x, n, w, multiplier)
    if np.isnan(f).any():
        raise ValueError("event frequencies must not be missing")
    codes = np.zeros(len(x), dtype=np.intp) if groups is None else np.asarray(groups, dtype=np.intp)
    frame = pd.DataFrame({"g": codes, "a": np.asarray(age_band), "f": f, "x": x, "n": n, "w": w})
    by_band = frame.groupby(["g", "a"], sort=False, dropna=False)
    if (by_band["n"].nunique(dropna=False) > 1).any() or (by_band["w"].nunique(dropna=False) > 1).any():
        raise ValueError(
            "there are rows with the same grouping variables and age band but with "
            "different populations or standard populations"
        )
    frame["fx"] = frame["f"] * frame["x"]
    frame["weight"] = frame["w"] / frame["n"]
    bands = by_band.agg(X=("fx", "sum"), n=("n", "first"), w=("w", "first")).reset_index()
    ngroups = int(codes.max()) + 1 if len(codes) else 0
    band_codes = bands["g"].to_numpy(dtype=np.intp)
    X, bn, bw = (bands[c].to_numpy(dtype=float) for c in ("X", "n", "w"))
    observed = _group_sum(band_codes, X, ngroups)
    sum_w = _group_sum(band_codes, bw, ngroups)
    rate = _group_sum(band_codes, X * bw / bn, ngroups) / sum_w
    frame["v"] = frame["x"] * frame["weight"] ** 2
    per_f = frame.groupby(["g", "f"], sort=False).agg(v=("v", "sum"), w=("w", "sum")).reset_index()
    variance_f = per_f["f"].to_numpy() ** 2 * per_f["v"].to_numpy() / per_f["w"].to_numpy() ** 2
    variance = _group_sum(per_f["g"].to_numpy(dtype=np.intp), variance_f, ngroups)
    return _dobson(observed, _group_sum(band_codes, bn, ngroups), rate, variance, confidence, multiplier)


def _validate(x: FloatArray, n: FloatArray, w: FloatArray, multiplier: float) -> None:
    if np.isnan(n).any():
        raise ValueError("denominators must not be missing")
    if np.isnan(w).any():
        raise ValueError("standard populations must not be missing")
    if np.any(x < 0):
        raise ValueError("numerators must all be greater than or equal to zero")
    if np.any(n <= 0):
        raise ValueError("denominators must all be greater than zero")
    if np.any(w < 0):
        raise ValueError("standard populations must all be greater than or equal to zero")
    if not multiplier > 0:
        raise ValueError("multiplier must be greater than zero")


def _dobson(
    observed: FloatArray,
    total_pop: FloatArray,
    rate: FloatArray,
    variance: FloatArray,
    confidence: float | Sequence[float],
    multiplier: float,
) -> dict[str, FloatArray]:
    levels = one_or_two_levels(confidence)
    published = observed >= MIN_COUNT
    out = {"total_count": observed, "total_pop": total_pop, "value": np.where(published, rate * multiplier, np.nan)}
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.sqrt(variance / observed)
        for level, (lower, upper) in zip(levels, ci_columns(levels)):
            low = rate * multiplier + scale * (byars_lower(observed, level) - observed) * multiplier
            high = rate * multiplier + scale * (byars_upper(observed, level) - observed) * multiplier
            out[lower] = np.where(published, low, np.nan)
            out[upper] = np.where(published, high, np.nan)
    return out


def dsr_frame(
    df: pd.DataFrame,
    group_by: Sequence[str] = (),
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100000,
    *,
    count: str = "count",
    population: str = "population",
    standard_population: str | Sequence[float] | None = None,
    age_band: str = "age_band",
    independent_events: bool = True,
    event_frequency: str = "event_frequency",
) -> pd.DataFrame:
    """Directly standardised rates per group (or overall) with Dobson confidence intervals.

    Input: one row per group and age band with ``count`` (events; missing = 0) and ``population``.
    Standard population: ``standard_population`` names a column of weights; a sequence is matched by row
    position within every group (each group must then have exactly that many rows, like `phe_dsr`);
    None uses the column ``standard_population`` when there is one, else the European Standard
    Population 2013 matched by the start age of ``age_band`` (the first integer of its label: 0, 5, …,
    90; "90+" → 90). With ``independent_events=False`` the rows are split by ``event_frequency`` f and
    ``count`` is the number of individuals with exactly f events (see `dsr_non_independent`).
    Output, one row per group (sorted by the keys): the group columns, ``total_count``, ``total_pop``,
    ``value``, ``lower_ci``, ``upper_ci`` (+ ``lower_ci_998``, ``upper_ci_998`` with
    ``confidence=(0.95, 0.998)``), ``confidence``, ``statistic`` ("dsr per <m>", or "dsr NA for total
    count < 10" where the value is suppressed) and ``method`` ("Dobson", or "Dobson, with confidence
    adjusted for non-independent events").

    Formulae and CI: see `dsr`. References: Dobson et al. (1991); Breslow & Day (1987); Eurostat (2013),
    *Revision of the European Standard Population*. Reproduces PHEindicatormethods 2.1.0
    `calculate_dsr` (methods.md §4).
    """
    group_by = _as_list(group_by)
    needed = [count, population, *group_by]
    if not independent_events:
        needed += [event_frequency, age_band]
    _require_columns(df, needed, "dsr")
    x = _numeric(df, count, "dsr")
    n = _numeric(df, population, "dsr")
    codes, keys = _group_codes(df, group_by)
    w = _standard_weights(df, codes, len(keys), standard_population, age_band)
    if independent_events:
        results = dsr(x, n, w, codes, confidence, multiplier)
        method = METHOD
    else:
        f = _numeric(df, event_frequency, "dsr")
        results = dsr_non_independent(x, n, w, f, df[age_band].to_numpy(), codes, confidence, multiplier)
        method = METHOD_NON_INDEPENDENT
    out = keys.copy() if group_by else pd.DataFrame(index=range(len(results["value"])))
    for name, values in results.items():
        out[name] = values
    out["confidence"] = levels_text(one_or_two_levels(confidence))
    out["statistic"] = np.where(
        out["total_count"] < MIN_COUNT, STATISTIC_SUPPRESSED, f"dsr per {_format_number(multiplier)}"
    )
    out["method"] = method
    return out


def _standard_weights(
    df: pd.DataFrame, codes: IntArray, ngroups: int, standard_population: str | Sequence[float] | None, age_band: str
) -> FloatArray:
    if isinstance(standard_population, str):
        _require_columns(df, [standard_population], "dsr")
        return _numeric(df, standard_population, "dsr")
    if standard_population is not None:
        vector = np.asarray(standard_population, dtype=float)
        rows = np.bincount(codes, minlength=ngroups)
        if len(set(rows.tolist())) > 1:
            raise ValueError("data must contain the same number of rows for each group")
        if len(rows) and rows[0] != len(vector):
            raise ValueError("stdpop length must equal number of rows in each group within data")
        position = pd.Series(codes).groupby(codes).cumcount().to_numpy()
        return vector[position]
    if "standard_population" in df.columns:
        return _numeric(df, "standard_population", "dsr")
    _require_columns(df, [age_band], "dsr")
    ages = start_ages(df[age_band])
    index = np.searchsorted(ESP2013_START_AGES, ages)
    valid = (ages >= 0) & (index < len(ESP2013_START_AGES))
    valid[valid] = np.asarray(ESP2013_START_AGES)[index[valid]] == ages[valid]
    if not valid.all():
        bad = df[age_band].iloc[int(np.argmin(valid))]
        raise ValueError(
            f"age band {bad!r} does not start at one of the European Standard Population 2013 "
            "band start ages 0, 5, …, 90; give a standard_population column"
        )
    return ESP2013[index]
