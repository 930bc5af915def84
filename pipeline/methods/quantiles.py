"""Assigning small areas to quantiles (e.g. deprivation deciles), as OHID Fingertips does (methods.md §7).

Reference: OHID Fingertips technical guidance, "Assigning deprivation categories"; the rule is that of
`phe_quantile` in PHEindicatormethods 2.1.0 (OHID/UKHSA), reproduced exactly.

Within each group, with N = the number of non-missing values and nq = the number of quantiles:

    rank = R's rank(ties = "min", missing kept) of the adjusted value, i.e. 1 + the number of values
           strictly better; the adjusted value is  max(values) − value  when inverted (highest
           values first), else the value itself
    q    = floor((nq + 1) − ceil(((N + 1) − rank) / (N / nq)))        evaluated in float64, in this order
    q    = 1 where q == 0

so inverted (the default) puts the highest values in quantile 1, not inverted the lowest. (Ranking
max − value gives the ranks of −value, as methods.md states them, except where the subtraction rounds
two nearly equal values together; computing it as the package does keeps those rare ties identical.) Tied values
share a quantile; a missing value gets no quantile; a group with fewer than nq values gets none at all
(with a warning). Nothing is estimated, so there is no confidence interval.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from pipeline.methods._typing import ArrayLike, BoolArray, FloatArray, IntArray

TOO_FEW_AREAS = "One or more groups had too few small areas to allow quantiles to be assigned"
QINVERTED_TEXT = {True: "lowest quantile represents highest values", False: "lowest quantile represents lowest values"}


class QuantileWarning(UserWarning):
    """Raised (as a warning) when a group has fewer values than quantiles and is left unassigned."""


def _group_codes(groups: object, n: int) -> IntArray:
    """Integer group code per row (0 … groups − 1); missing keys form their own group, as in dplyr.

    ``groups``: None (one group); a DataFrame of key columns; a 2-D array whose columns are keys; a
    list/tuple of key arrays; or a 1-D array-like of labels."""
    if groups is None:
        return np.zeros(n, dtype=np.intp)
    if isinstance(groups, pd.DataFrame):
        keys = [groups[c].to_numpy() for c in groups.columns]
    elif isinstance(groups, np.ndarray) and groups.ndim == 2:
        keys = [groups[:, j] for j in range(groups.shape[1])]
    elif isinstance(groups, list | tuple) and groups and all(np.ndim(k) == 1 for k in groups):
        keys = [np.asarray(k) for k in groups]
    else:
        keys = [np.asarray(groups)]
    if not keys:
        return np.zeros(n, dtype=np.intp)
    for key in keys:
        if key.ndim != 1 or len(key) != n:
            raise ValueError(f"group keys must be 1-D with one label per value ({n})")
    frame = pd.DataFrame({i: key for i, key in enumerate(keys)})
    return cast(IntArray, frame.groupby(list(frame.columns), dropna=False, sort=False).ngroup().to_numpy(dtype=np.intp))


def _as_invert_flags(invert: Any, n: int) -> BoolArray:
    """Per-row invert flags from a logical (True/False, 1/0) or a per-row array of logicals."""
    if np.ndim(invert) == 0:
        if isinstance(invert, str) or invert not in (True, False):
            raise ValueError("invert expressed as a logical must equal TRUE or FALSE")
        return np.full(n, bool(invert))
    flags = pd.Series(invert).reset_index(drop=True)
    if len(flags) != n:
        raise ValueError(f"invert has {len(flags)} rows but values has {n}")
    if flags.isna().any():
        raise ValueError("invert field has missing values")
    if flags.dtype == bool:
        return flags.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(flags.dtype):
        if not flags.isin([0, 1]).all():
            raise ValueError("invert field values must be logical (TRUE/FALSE)")
        return cast(BoolArray, flags.to_numpy() == 1)
    text = flags.astype(str).str.strip().str.upper()
    known = {"TRUE": True, "FALSE": False, "1": True, "0": False, "1.0": True, "0.0": False}
    mapped = text.map(known)
    if mapped.isna().any():
        bad = flags[mapped.isna()].iloc[0]
        raise ValueError(f"invert field values must be logical (TRUE/FALSE), got {bad!r}")
    return mapped.to_numpy(dtype=bool)


def assign_quantiles(
    values: ArrayLike | pd.Series, groups: object = None, nquantiles: int = 10, invert: bool | ArrayLike = True
) -> FloatArray:
    """Quantile (1 … nquantiles) of every value within its group, NaN where none can be assigned.

    Formula (PHEindicatormethods `phe_quantile`, methods.md §7), per group with N non-missing values:
    ``rank`` = minimum rank of ``max(values) − value`` if inverted else of ``value`` (ties share the
    lowest rank; missing stay missing), then
    ``q = floor((nq + 1) − ceil(((N + 1) − rank) / (N / nq)))`` in float64, and ``q == 0 → 1``.
    Inverted (default) puts the highest values in quantile 1; ``invert=False`` the lowest.
    A group with N < nq is left entirely unassigned (NaN) with a warning ("One or more groups had too
    few small areas to allow quantiles to be assigned"). No interval is involved.

    ``groups``: None (one group), an array of labels, a DataFrame of key columns or a list of key
    arrays; missing keys form a group of their own. ``invert``: True/False, or an array with one
    logical per row that must be constant within each group (the package's ``inverttype = "field"``).
    Vectorised across groups (pandas group-wise rank); no per-group Python loop.

    Reference: OHID Fingertips technical guidance (assigning deprivation categories); PHEindicatormethods
    2.1.0 `phe_quantile`.

    Example:
    >>> assign_quantiles([10, 20, 30, 40], nquantiles=2).tolist()      # inverted: highest values in 1
    [2.0, 2.0, 1.0, 1.0]
    >>> assign_quantiles([10, 20, 30, 40], nquantiles=2, invert=False).tolist()
    [1.0, 1.0, 2.0, 2.0]
    """
    v = pd.Series(values).reset_index(drop=True)
    if not (pd.api.types.is_numeric_dtype(v.dtype) and not pd.api.types.is_bool_dtype(v.dtype)):
        raise ValueError("values argument must be a numeric field from data")
    nq = nquantiles
    if isinstance(nq, bool) or not float(nq).is_integer() or nq < 1:
        raise ValueError(f"nquantiles must be a positive whole number, got {nquantiles!r}")
    nq = int(nq)
    v = v.astype(float)
    n = len(v)
    codes = _group_codes(groups, n)
    flags = _as_invert_flags(invert, n)
    if np.ndim(invert) != 0 and n:
        per_group = pd.Series(flags).groupby(codes).nunique()
        if (per_group > 1).any():
            raise ValueError("invert field values must take the same logical value for each data grouping set")

    by = pd.Series(codes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        group_max = v.groupby(by).transform("max").to_numpy()
    adjusted = pd.Series(np.where(flags, group_max - v.to_numpy(), v.to_numpy()))
    rank = adjusted.groupby(by).rank(method="min", na_option="keep").to_numpy(dtype=float)
    count = v.groupby(by).transform("count").to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.floor((nq + 1) - np.ceil(((count + 1) - rank) / (count / nq)))
    q[q == 0] = 1.0
    q[count < nq] = np.nan
    if np.any(v.notna().to_numpy() & np.isnan(q)):
        warnings.warn(TOO_FEW_AREAS, QuantileWarning, stacklevel=2)
    return cast(FloatArray, q)


def quantile_frame(
    df: pd.DataFrame,
    value_col: str = "value",
    group_by: Sequence[str] | str = (),
    nquantiles: int = 10,
    invert: bool | str = True,
    *,
    full: bool = False,
    quantile_col: str = "quantile",
) -> pd.DataFrame:
    """Copy of ``df`` with a ``quantile`` column assigned by `assign_quantiles` within ``group_by``.

    ``invert``: True/False (the package's ``inverttype = "logical"``), or the name of a column of
    logicals, constant within each group (``inverttype = "field"``). ``full=True`` also adds the
    package's metadata columns: ``nquantiles``, ``groupvars`` (group column names joined by ", ") and
    ``qinverted`` ("lowest quantile represents highest values" / "… lowest values").

    Formula, tie and missing-value rules: see `assign_quantiles` (methods.md §7; Fingertips technical
    guidance; PHEindicatormethods 2.1.0 `phe_quantile`).

    Example:
    >>> import pandas as pd
    >>> quantile_frame(pd.DataFrame({"value": [10, 20, 30, 40]}), nquantiles=2)["quantile"].tolist()
    [2.0, 2.0, 1.0, 1.0]
    """
    keys = [group_by] if isinstance(group_by, str) else list(group_by)
    for column in [value_col, *keys]:
        if column not in df.columns:
            raise ValueError(f"{column!r} is not a column of the data")
    if isinstance(invert, str):
        if invert not in df.columns:
            raise ValueError("invert is not a field name from data")
        flags = _as_invert_flags(df[invert].to_numpy(dtype=object), len(df))
        invert_arg: bool | BoolArray = flags
    else:
        flags = _as_invert_flags(invert, len(df))
        invert_arg = invert
    groups = df[keys].reset_index(drop=True) if keys else None
    out = df.copy()
    out[quantile_col] = assign_quantiles(df[value_col].reset_index(drop=True), groups, nquantiles, invert_arg)
    if full:
        out["nquantiles"] = int(nquantiles)
        out["groupvars"] = ", ".join(keys)
        out["qinverted"] = np.where(flags, QINVERTED_TEXT[True], QINVERTED_TEXT[False])
    return out
