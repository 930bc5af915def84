"""SII/RII simulated confidence limits (methods.md §8; the derivation and the exact equivalences used for
speed are in the package docstring): seeds, the per-chunk simulation kernels, exact order statistics without a
full sort, and `phe_sii`, the array function (checks and point estimates from core, then the simulation)."""

# About 430 lines, kept in one module on purpose: the kernels and the order statistics are one algorithm,
# each step documented with the identity it relies on (a comment: module docstrings go to the methods appendix).

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeAlias, cast

import numpy as np
from scipy.special import expit

from pipeline.methods._typing import ArrayLike, FloatArray
from pipeline.methods.confidence import Z95
from pipeline.methods.slope_index.core import (
    MANY_QUANTILES,
    MISSING_VALUES,
    SIIWarning,
    _check_arguments,
    _check_values,
    _f,
    _g,
    output_columns,
    regression_weights,
)

#: What `seed` may be: anything np.random.SeedSequence takes, a SeedSequence or a Generator.
Seed: TypeAlias = int | Sequence[int] | np.random.SeedSequence | np.random.Generator | None

RELIABILITY_BLOCKS = 10
_CHUNK_BYTES = 64 * 2**20  # replicate arrays per chunk of areas (per worker)
_BLOCK_ELEMENTS = 1 << 17  # per-quantile draws processed at a time (1 MB, cache-sized)
_FILTER_MIN_REPS = 20_000  # below this, plain np.partition is as fast as the tail filter
_SUBSAMPLE_STRIDE = 32
_THRESHOLD_MARGIN = 0.01


def _positions(repetitions: int, levels: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """0-based indices of the lower and upper order statistics per level (R: round half to even)."""
    lower, upper = [], []
    for c in levels:
        cv = c + ((1 - c) / 2)
        pos_lower = int(np.round(repetitions * (1 - cv)))
        pos_upper = int(np.round(repetitions * cv))
        # c = 1 gives position 0, which R cannot index: take the extreme replicate instead.
        lower.append(min(max(pos_lower, 1), repetitions) - 1)
        upper.append(min(max(pos_upper, 1), repetitions) - 1)
    return np.array(lower, dtype=np.intp), np.array(upper, dtype=np.intp)


def _seed_sequence(seed: Seed) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(0, 2**63, size=4).tolist())
    return np.random.SeedSequence(seed)


def select_order_statistics(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Exact order statistics ``sorted(row)[idx]`` of every row of a 2-D array, without a full sort.

    The array is reordered in place. For long rows the candidates in each tail are found with a
    threshold taken from a 1-in-32 subsample (plus a 1 % margin) and only they are partitioned: every
    value outside the candidate set lies beyond it, so the k-th smallest of the candidates is the k-th
    smallest of the row (checked, with a fall-back to ``np.partition`` of the row). Rows containing NaN
    give meaningless values (callers mask those groups).
    """
    idx = np.asarray(idx, dtype=np.intp)
    n, reps = x.shape
    kth = np.unique(idx)
    if reps < _FILTER_MIN_REPS or n == 0:
        x.partition(kth, axis=-1)
        return x[:, idx]
    low, high = kth[kth < reps // 2], kth[kth >= reps // 2]
    sample = np.sort(x[:, ::_SUBSAMPLE_STRIDE], axis=-1)
    m = sample.shape[1]
    values = np.empty((n, kth.size))
    if low.size:
        t_low = sample[:, min(m - 1, math.ceil(((low[-1] + 1) / reps + _THRESHOLD_MARGIN) * m))]
    if high.size:
        t_high = sample[:, max(0, math.floor((high[0] / reps - _THRESHOLD_MARGIN) * m))]
    for i in range(n):
        row = x[i]
        if low.size:
            cand = row[row <= t_low[i]]
            if cand.size > low[-1]:
                cand.partition(low)
                values[i, : low.size] = cand[low]
            else:
                row.partition(low)
                values[i, : low.size] = row[low]
        if high.size:
            cand = row[row >= t_high[i]]
            offset = reps - cand.size
            if offset <= high[0]:
                local = high - offset
                cand.partition(local)
                values[i, low.size :] = cand[local]
            else:
                row.partition(high)
                values[i, low.size :] = row[high]
    return values[:, np.searchsorted(kth, idx)]


# --------------------------------------------------------------------------------------------------
# simulation kernels (one chunk of areas each)


def _chunk_linear(
    gen: np.random.Generator,
    stats_of: Callable[[FloatArray], FloatArray],
    b1_hat: FloatArray,
    sd1: FloatArray,
    b0_hat: FloatArray,
    c01: FloatArray,
    d0: FloatArray,
    total: int,
    need_b0: bool,
    transform: bool,
    multiplier: float,
) -> tuple[FloatArray, FloatArray | None]:
    """Replicate statistics when β is a linear map of the draws (type 0, or transform = True).

    Returns (sii_stat, rii_stat or None), each (areas, total): the slope draws on the g scale when
    transform, else m·β1_r and (β0_r + β1_r)/β0_r (inverted if m < 0)."""
    g = len(b1_hat)
    z1 = gen.standard_normal((g, total))
    z2 = gen.standard_normal((g, total)) if need_b0 else None
    if transform:
        z1 *= sd1[:, None]
        z1 += b1_hat[:, None]
        return stats_of(z1), None
    rii = None
    if need_b0:
        # β0_r = β̂0 + c·z1 + d·z2 (conditional on β1_r), β1_r = β̂1 + σ1·z1
        b0 = cast(FloatArray, z2)  # drawn above: need_b0
        b0 *= d0[:, None]
        b0 += b0_hat[:, None]
        b0 += c01[:, None] * z1
        b1 = z1 * sd1[:, None]
        b1 += b1_hat[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            b1 += b0
            b1 /= b0  # (β0 + β1)/β0
            if multiplier < 0:
                np.reciprocal(b1, out=b1)
        rii = stats_of(b1)
        del b0, b1
    z1 *= multiplier * sd1[:, None]
    z1 += multiplier * b1_hat[:, None]
    return stats_of(z1), rii


def _chunk_backtransformed(
    gen: np.random.Generator,
    stats_of: Callable[[FloatArray], FloatArray],
    mu: FloatArray,
    sd: FloatArray,
    w0: FloatArray,
    w1: FloatArray,
    total: int,
    need_b0: bool,
    value_type: int,
    multiplier: float,
) -> tuple[FloatArray, FloatArray | None]:
    """Replicate statistics when draws are back-transformed (rates/proportions, transform = False).

    Draws (areas, k, block) normals at a time, ``y = f(μ + SE·z)``, and reduces each block with the
    least-squares weights to (β0_r, β1_r); returns (m·β1_r, RII_r or None). For rates the constant
    factor is moved into the weights: ``Σ W·exp(μ + SE·z) = Σ (W·e^μ)·exp(SE·z)``."""
    g, k = mu.shape
    block = max(256, _BLOCK_ELEMENTS // (g * k))
    weights = np.stack([w0, w1], axis=1) if need_b0 else w1[:, None, :]  # (g, 1|2, k)
    if value_type == 1:
        with np.errstate(over="ignore", invalid="ignore"):
            weights = weights * np.exp(mu)[:, None, :]
    weights = np.ascontiguousarray(weights)
    rows = weights.shape[1]
    coef = np.empty((g, rows, total))
    buf = np.empty((g, k, block))
    prod = np.empty((g, rows, block))
    mu3, sd3 = mu[:, :, None], sd[:, :, None]
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, total, block):
            n = min(block, total - start)
            z, p = (buf, prod) if n == block else (np.empty((g, k, n)), np.empty((g, rows, n)))
            gen.standard_normal(out=z)
            z *= sd3
            if value_type == 1:
                np.exp(z, out=z)
            else:
                z += mu3
                expit(z, out=z)
            np.matmul(weights, z, out=p)
            coef[:, :, start : start + n] = p
        b1 = coef[:, -1, :]
        rii = None
        if need_b0:
            b0 = coef[:, 0, :]
            with np.errstate(divide="ignore"):
                ratio = (b0 + b1) / b0
                if multiplier < 0:
                    np.reciprocal(ratio, out=ratio)
            rii = stats_of(ratio)
            del ratio
        b1 = b1 * multiplier
    return stats_of(b1), rii


# --------------------------------------------------------------------------------------------------
# array-level core


def phe_sii(
    *,
    population: ArrayLike,
    value: ArrayLike | None = None,
    x: ArrayLike | None = None,
    se: ArrayLike | None = None,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    value_type: int = 0,
    transform: bool = False,
    multiplier: float = 1,
    repetitions: int = 100_000,
    confidence: float | Sequence[float] = (0.95,),
    rii: bool = False,
    intercept: bool = False,
    reliability_stat: bool = False,
    seed: Seed = None,
    workers: int | None = None,
) -> dict[str, FloatArray]:
    """SII (and RII) with simulated confidence limits for many areas at once, on plain arrays.

    Inputs are arrays shaped (areas, quantiles) — a 1-D array is one area — with the quantiles in
    order (column 0 = quantile 1, the most deprived). ``population`` (> 0), and ``value``, or for
    proportions (value_type 2) the count ``x`` (value = x/population). Either ``se`` (on the working
    scale: log for rates, logit for proportions) or both 95 % limits ``lower``/``upper``.
    value_type 0 other ("normal"), 1 rate, 2 proportion; ``transform`` (types 1/2 only) fits on the
    log/logit scale. ``confidence``: any sequence of levels (0.9–1 or 90–100). ``seed``: int,
    SeedSequence or Generator; a given seed gives identical output. ``workers``: threads (default: the
    machine's cores); results do not depend on it.

    Formulae (see the module docstring for the derivation and the exact simulation equivalences):
    ``a = P/ΣP``, ``b = cumsum(a) − a/2``, weighted least squares of y on b with weights a (Low & Low
    2004); SII = m·slope, RII = (β0 + β1)/β0 (1/RII if m < 0), or with transform
    SII = (f(β0 + β1) − f(β0))·m, RII = f(β0 + β1)/f(β0). CI: Monte-Carlo with ``repetitions`` normal
    redraws of each quantile value (SE from the 95 % limits, ``(g(U) − g(L))/(2·1.959964)``), limits are
    the order statistics ``round(R(1 − cv))``, ``round(R·cv)`` of the refitted SII/RII, cv = c + (1 − c)/2.

    Returns a dict of 1-D arrays (one entry per area), keys in output order: ``sii``, ``sii_lower_ci``,
    ``sii_upper_ci`` (first level), ``sii_lower_ci_<pct>``/``sii_upper_ci_<pct>`` for further levels
    (99.8 % → ``_998``), then the same for ``rii`` (if asked), ``sii_mad``/``rii_mad`` (+ suffixes, if
    ``reliability_stat``), ``intercept`` (if asked).

    Errors and warnings follow PHEindicatormethods 2.1.0 `phe_sii` (methods.md §8.6). An area with a
    missing value gets NA throughout (with a warning).

    References: Low A & Low A (2004), J Public Health 26: 388–395; OHID Fingertips technical guidance
    (slope index of inequality); PHEindicatormethods 2.1.0 `phe_sii`.
    """
    # ---- argument checks, in the package's order
    if population is None:
        raise ValueError("function phe_sii requires the arguments: data, quantile, population")
    if value is None and x is None:
        raise ValueError("function phe_sii requires value field, or x field if indicator is a proportion of population")
    if se is None and (lower is None or upper is None):
        raise ValueError("function phe_sii requires either lower_cl and upper_cl fields, or se field")
    levels = _check_arguments(
        value_type=value_type,
        transform=transform,
        multiplier=multiplier,
        repetitions=repetitions,
        confidence=confidence,
        se=se,
        lower=lower,
        upper=upper,
    )
    value_type, repetitions, multiplier = int(value_type), int(repetitions), float(multiplier)

    def numeric(arr: ArrayLike | None) -> Any:  # None, or the input as a 2-D float array
        if arr is None:
            return None
        a = np.asarray(arr)
        if a.dtype == bool or not (np.issubdtype(a.dtype, np.number) or a.dtype == object):
            raise ValueError("some input fields in data.frame are non-numeric")
        try:
            a = a.astype(float)
        except (TypeError, ValueError):
            raise ValueError("some input fields in data.frame are non-numeric") from None
        return np.atleast_2d(a)

    pop, val, cnt = numeric(population), numeric(value), numeric(x)
    se_, lo_, up_ = numeric(se), numeric(lower), numeric(upper)
    shape = pop.shape
    for name, arr in (("value", val), ("x", cnt), ("se", se_), ("lower", lo_), ("upper", up_)):
        if arr is not None and arr.shape != shape:
            raise ValueError(f"{name} has shape {arr.shape}, population has {shape}")
    _check_values(pop, value=val, x=cnt, se=se_, lower=lo_, upper=up_, value_type=value_type)
    if val is None:
        val = cnt / pop
    n_areas, k = shape
    if k < 5 or k > 100:
        raise ValueError("Number of quantiles must be between 5 and 100")
    if k > 10:
        warnings.warn(MANY_QUANTILES, SIIWarning, stacklevel=2)

    # ---- working scale and standard errors
    mu = _g(val, value_type)  # g(v)
    if se_ is not None:
        sd = se_
    else:
        with np.errstate(invalid="ignore"):
            sd = (_g(up_, value_type) - _g(lo_, value_type)) / Z95 / 2
    invalid = np.isnan(val).any(axis=1)
    if invalid.any():
        warnings.warn(MISSING_VALUES, SIIWarning, stacklevel=2)

    # ---- point estimates
    w0, w1 = regression_weights(pop)
    with np.errstate(invalid="ignore", over="ignore"):
        y = mu if transform else _f(mu, value_type)
        beta0 = (w0 * y).sum(axis=1)
        beta1 = (w1 * y).sum(axis=1)
        if transform:
            f0, f1 = _f(beta0, value_type), _f(beta0 + beta1, value_type)
            sii = (f1 - f0) * multiplier
            rii_point = f1 / f0
            icept = f0 * abs(multiplier)
        else:
            sii = multiplier * beta1
            rii_point = (beta0 + beta1) / beta0
            icept = beta0
        if multiplier < 0:
            rii_point = 1 / rii_point

    # ---- simulation
    blocks = RELIABILITY_BLOCKS if reliability_stat else 1
    total = repetitions * blocks
    pos_lower, pos_upper = _positions(repetitions, levels)
    idx = np.concatenate([pos_lower, pos_upper])
    n_levels = len(levels)
    linear = transform or value_type == 0
    need_b0 = rii and not transform

    def stats_of(arr: FloatArray) -> FloatArray:  # (g, total) → (g, blocks, 2, L)
        g = arr.shape[0]
        os_ = select_order_statistics(arr.reshape(g * blocks, repetitions), idx)
        return os_.reshape(g, blocks, 2, n_levels)

    if linear:
        mu_fit = mu  # type 0: g is the identity
        with np.errstate(invalid="ignore", over="ignore"):
            b0_hat, b1_hat = (w0 * mu_fit).sum(axis=1), (w1 * mu_fit).sum(axis=1)
            var = sd**2
            s00, s11, s01 = (w0**2 * var).sum(axis=1), (w1**2 * var).sum(axis=1), (w0 * w1 * var).sum(axis=1)
            sd1 = np.sqrt(s11)
            c01 = np.where(sd1 > 0, s01 / np.where(sd1 > 0, sd1, 1), 0.0)
            d0 = np.sqrt(np.maximum(s00 - c01**2, 0.0))
    per_area_bytes = 4 * total * 8
    chunk = max(1, _CHUNK_BYTES // per_area_bytes)
    starts = list(range(0, n_areas, chunk))
    children = _seed_sequence(seed).spawn(len(starts))
    sii_os = np.full((n_areas, blocks, 2, n_levels), np.nan)
    rii_os = np.full((n_areas, blocks, 2, n_levels), np.nan) if rii else None

    def run(j: int) -> None:
        sl = slice(starts[j], min(starts[j] + chunk, n_areas))
        gen = np.random.Generator(np.random.SFC64(children[j]))
        if linear:
            s_stat, r_stat = _chunk_linear(
                gen, stats_of, b1_hat[sl], sd1[sl], b0_hat[sl], c01[sl], d0[sl], total, need_b0, transform, multiplier
            )
        else:
            s_stat, r_stat = _chunk_backtransformed(
                gen, stats_of, mu[sl], sd[sl], w0[sl], w1[sl], total, need_b0, value_type, multiplier
            )
        sii_os[sl] = s_stat
        if r_stat is not None and rii_os is not None:  # r_stat comes only with rii
            rii_os[sl] = r_stat

    n_workers = max(1, min(workers or os.cpu_count() or 1, len(starts)))
    if n_workers == 1:
        for j in range(len(starts)):
            run(j)
    else:
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            list(pool.map(run, range(len(starts))))

    # ---- limits (areas, blocks, 2 = lower/upper, levels)
    rii_lim: FloatArray | None
    if transform:
        s = sii_os  # slope order statistics, g scale
        h = ((beta0 + (beta0 + beta1)) / 2)[:, None, None, None]  # fitted g at b = 1/2
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            y0, y1 = _f(h - s / 2, value_type), _f(h + s / 2, value_type)
            sii_lim = (y1 - y0) * multiplier
            rii_lim = y1 / y0
        swap = multiplier < 0 if value_type == 2 else multiplier < 1
        if swap:
            sii_lim = sii_lim[:, :, ::-1, :]
            with np.errstate(divide="ignore"):
                rii_lim = 1 / rii_lim[:, :, ::-1, :]
    else:
        sii_lim, rii_lim = sii_os, rii_os

    limits: dict[str, Any] = {"sii": sii_lim, "rii": rii_lim}
    points = {"sii": sii, "rii": rii_point, "intercept": icept}
    mads = {}
    if reliability_stat:
        for name in ("sii", "rii") if rii else ("sii",):
            lim = limits[name]
            mads[name] = np.abs(lim[:, 1:] - lim[:, :1]).mean(axis=(1, 2))  # 9 blocks × 2 limits
    out: dict[str, np.ndarray] = {}
    for name, (stat, kind, level) in output_columns(levels, rii, intercept, reliability_stat).items():
        if kind == "point":
            out[name] = points[stat]
        elif kind == "mad":
            out[name] = mads[stat][:, level]
        else:
            out[name] = limits[stat][:, 0, 0 if kind == "lower" else 1, level]
    for key in out:
        out[key] = np.where(invalid, np.nan, np.asarray(out[key], dtype=float))
    return out
