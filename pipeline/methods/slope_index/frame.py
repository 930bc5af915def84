"""SII/RII on a DataFrame (methods.md §8): `sii_frame`, one output row per group of a long table (one row
per group × quantile), over the array function `phe_sii`."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline.methods._typing import FloatArray
from pipeline.methods.confidence import level_text
from pipeline.methods.slope_index.core import (
    MANY_QUANTILES,
    RECORDS_REMOVED,
    TRANSFORM_NAMES,
    VALUE_TYPE_NAMES,
    SIIWarning,
    _levels,
    _validate_records,
    output_columns,
)
from pipeline.methods.slope_index.simulation import Seed, phe_sii


def _method_text(repetitions: int) -> str:
    """The `method` column: 'simulation <R> reps'."""
    return f"simulation {int(repetitions)} reps"


# --------------------------------------------------------------------------------------------------
# DataFrame API


def sii_frame(
    df: pd.DataFrame,
    group_by: Sequence[str] | str = (),
    *,
    value_type: int = 0,
    transform: bool = False,
    multiplier: float = 1,
    repetitions: int = 100_000,
    confidence: float | Sequence[float] = (0.95,),
    rii: bool = False,
    intercept: bool = False,
    reliability_stat: bool = False,
    seed: Seed = None,
    quantile_col: str = "quantile",
    population_col: str = "population",
    value_col: str = "value",
    lower_col: str = "lower_ci",
    upper_col: str = "upper_ci",
    se_col: str | None = "se",
    x_col: str | None = None,
    workers: int | None = None,
) -> pd.DataFrame:
    """SII/RII per group of a long table (one row per group × quantile), one output row per group.

    Columns used: ``quantile_col`` (label; numeric labels sort numerically, text labels as text, so
    "10" precedes "2" as in the package), ``population_col``, ``value_col`` (or for proportions
    ``x_col``, value = x/population, used when ``value_col`` is absent), and either ``se_col`` (used when
    that column is present; pass ``se_col=None`` to use the limits instead) or both 95 % limit columns.
    Quantile 1 should be the most deprived.

    Output: group columns, ``sii``, ``sii_lower_ci``, ``sii_upper_ci`` (first confidence level),
    further levels suffixed by the percent without its dot (``sii_lower_ci_998``), ``rii`` and its
    limits when ``rii``, ``sii_mad``/``rii_mad`` (+ suffixes) when ``reliability_stat``, ``intercept``
    when asked, then ``confidence`` ("95%" or "95%, 99.8%"), ``method`` ("simulation 100000 reps"),
    ``indicator_type`` (normal/rate/proportion), ``transform`` (none/log/logit) and ``multiplier``.

    Rules (PHEindicatormethods 2.1.0 `phe_sii`, methods.md §8): the whole input must have 5–100
    distinct quantile labels (warning above 10); a group lacking any of them is dropped with a warning;
    validation errors as in `phe_sii`. Here a missing quantile label or a repeated (group, quantile)
    row is an error (the package would silently mis-fit).

    Formula and CI method: weighted regression of the quantile values on the population midpoint rank
    (Low & Low 2004), limits from ``repetitions`` Monte-Carlo refits — see `phe_sii` and the module
    docstring. References: Low A & Low A (2004), J Public Health 26: 388–395; OHID Fingertips technical
    guidance (slope index of inequality).
    """
    keys = [group_by] if isinstance(group_by, str) else list(group_by)
    for column in (quantile_col, population_col, *keys):
        if column not in df.columns:
            raise ValueError(f"{column!r} is not a column of the data")
    have = {
        name: (col is not None and col in df.columns)
        for name, col in (
            ("value", value_col),
            ("x", x_col),
            ("se", se_col),
            ("lower", lower_col),
            ("upper", upper_col),
        )
    }
    if not have["value"] and not have["x"]:
        raise ValueError("function phe_sii requires value field, or x field if indicator is a proportion of population")
    if not have["se"] and not (have["lower"] and have["upper"]):
        raise ValueError("function phe_sii requires either lower_cl and upper_cl fields, or se field")

    def numeric_column(name: str, col: str | None) -> FloatArray | None:
        if not have[name]:
            return None
        series = df[col]
        if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
            raise ValueError("some input fields in data.frame are non-numeric")
        return series.to_numpy(dtype=float, na_value=np.nan)

    pop_series = df[population_col]
    if pd.api.types.is_bool_dtype(pop_series.dtype) or not pd.api.types.is_numeric_dtype(pop_series.dtype):
        raise ValueError("some input fields in data.frame are non-numeric")
    arrays = {
        name: numeric_column(name, col)
        for name, col in (
            ("value", value_col),
            ("x", x_col),
            ("se", se_col),
            ("lower", lower_col),
            ("upper", upper_col),
        )
    }
    population = pop_series.to_numpy(dtype=float, na_value=np.nan)

    # Validate the whole input first (as the package does), on a single row of all records.
    common: dict[str, Any] = dict(
        value_type=value_type,
        transform=transform,
        multiplier=multiplier,
        repetitions=repetitions,
        confidence=confidence,
        rii=rii,
        intercept=intercept,
        reliability_stat=reliability_stat,
    )
    _validate_records(population, arrays, **common)
    levels = _levels(confidence)

    quant = df[quantile_col]
    if quant.isna().any():
        raise ValueError("missing quantile labels in input dataset")
    if not pd.api.types.is_numeric_dtype(quant.dtype) or pd.api.types.is_bool_dtype(quant.dtype):
        quant = quant.astype(str)
    labels = pd.unique(quant)
    n_q = len(labels)
    if n_q < 5 or n_q > 100:
        raise ValueError("Number of quantiles must be between 5 and 100")

    work = pd.DataFrame({"_q": quant.to_numpy(), "_row": np.arange(len(df))})
    if keys:
        codes = df[keys].reset_index(drop=True).groupby(keys, dropna=False, sort=True).ngroup().to_numpy()
    else:
        codes = np.zeros(len(df), dtype=np.intp)
    work["_g"] = codes
    if work.duplicated(["_g", "_q"]).any():
        raise ValueError("some groups have more than one row for a quantile")
    per_group = work.groupby("_g")["_q"].nunique()
    keep_groups = per_group.index[per_group.to_numpy() == n_q]
    if len(keep_groups) != len(per_group):
        warnings.warn(RECORDS_REMOVED, SIIWarning, stacklevel=2)
    work = work[work["_g"].isin(keep_groups)].sort_values(["_g", "_q"], kind="stable")
    rows = work["_row"].to_numpy()

    def shaped(arr: FloatArray | None) -> FloatArray | None:
        return None if arr is None else arr[rows].reshape(-1, n_q)

    meta: dict[str, str | float] = {
        "confidence": ", ".join(level_text(c) for c in levels),
        "method": _method_text(repetitions),
        "indicator_type": VALUE_TYPE_NAMES[int(value_type)],
        "transform": TRANSFORM_NAMES[int(value_type)] if transform else "none",
        "multiplier": multiplier,
    }
    first_rows = rows[::n_q]
    out = df.iloc[first_rows][keys].reset_index(drop=True) if keys else pd.DataFrame(index=range(len(first_rows)))
    if len(first_rows) == 0:
        for name in output_columns(levels, rii, intercept, reliability_stat):
            out[name] = np.array([], dtype=float)
        for name in meta:
            out[name] = pd.Series([], dtype=float if name == "multiplier" else object)
        return out
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=MANY_QUANTILES)  # warned below with the right stack level
        result = phe_sii(
            population=population[rows].reshape(-1, n_q),
            value=shaped(arrays["value"]),
            x=shaped(arrays["x"]),
            se=shaped(arrays["se"]),
            lower=shaped(arrays["lower"]),
            upper=shaped(arrays["upper"]),
            seed=seed,
            workers=workers,
            **common,
        )
    if n_q > 10:
        warnings.warn(MANY_QUANTILES, SIIWarning, stacklevel=2)
    for name, values in result.items():
        out[name] = values
    for name, text in meta.items():
        out[name] = text
    return out
