"""Slope index of inequality (SII) and relative index of inequality (RII), with simulated confidence
intervals, as PHEindicatormethods 2.1.0 `phe_sii` computes them (methods.md §8).

References: Low A & Low A (2004), "Measuring the gap: quantifying and comparing local health
inequalities", Journal of Public Health 26(4): 388–395; OHID Fingertips technical guidance (slope index
of inequality; the "SII tool"); PHEindicatormethods 2.1.0 (OHID/UKHSA) `phe_sii`.

Method, per area (group) with k quantiles ordered from 1 (most deprived) to k:

1. Population midpoint rank. ``a_i = P_i / ΣP`` (share of the population in quantile i),
   ``b_i = cumsum(a)_i − a_i/2`` (relative rank of the quantile's midpoint, 0 … 1).
2. Working scale g: identity (value_type 0, "normal"), log (1, rate), logit ``ln(v/(1−v))``
   (2, proportion). Standard errors are on the g scale: supplied ``se`` is used as given; otherwise
   ``SE = (g(U) − g(L)) / (2 × 1.959963984540054)`` from the quantiles' 95 % limits (always 95 %).
3. Weighted least squares of y on b with weights a (Low & Low's square-root transformation
   ``√a·y = β0·√a + β1·b·√a``): ``β1 = Σa(b − b̄)y / Σa(b − b̄)²``, ``β0 = Σa·y/Σa − β1·b̄``,
   ``b̄ = Σab/Σa``. β1 is the slope (difference between fitted values at b = 1 and b = 0), β0 the
   fitted value at b = 0.
   - transform = False (y = the value): ``SII = m·β1``, ``RII = (β0 + β1)/β0`` (1/RII if m < 0),
     ``intercept = β0``.
   - transform = True (y = g(value), f = g⁻¹ = exp or expit): ``SII = (f(β0 + β1) − f(β0))·m``,
     ``RII = f(β0 + β1)/f(β0)`` (inverted if m < 0), ``intercept = f(β0)·|m|``.
4. Confidence intervals by simulation (R repetitions): each quantile's value is redrawn on the g
   scale as ``Normal(g(v_i), SE_i)``, independently; without transform, draws of rates/proportions are
   back-transformed with f; the same regression is refitted to every replicate; the limits are the
   replicates' order statistics at 1-based positions ``round(R(1 − cv))`` and ``round(R·cv)``,
   ``cv = c + (1 − c)/2``, with R's round-half-to-even (95 %, R = 100 000 → 2 500th and 97 500th).
   With transform = True only the slope replicates are ordered; bounds are mapped back around the
   fitted midpoint ``h = β0 + β1/2``: ``y0 = f(h − s/2)``, ``y1 = f(h + s/2)``, ``SII = (y1 − y0)·m``,
   ``RII = y1/y0``; when m < 0 (proportions) or m < 1 (rates, a quirk of the package kept on purpose)
   the lower SII limit comes from the upper slope limit and vice versa, and RII limits are inverted.
5. Reliability statistic: 10·R replicates in 10 consecutive blocks of R; reported limits from block 1;
   MAD = mean |limit_block k − limit_block 1| over blocks 2…10 and both limits (18 differences).

How the simulation is computed (equivalences used for speed, each exact in distribution):

* When the regression response is the drawn value itself (value_type 0, or transform = True), every
  replicate is a fixed linear map of independent normals: ``β_r = W·(μ + SE∘z_r)`` with W the 2 × k
  least-squares weights. Hence ``(β0_r, β1_r)`` is exactly bivariate normal with mean ``W·μ`` and
  covariance ``Σ = W·diag(SE²)·Wᵀ``, and β1_r alone is exactly ``Normal(β̂1, √Σ11)``. We draw β1_r from
  that univariate normal (1 draw per replicate) and, only when the RII is wanted without transform, β0_r
  from its conditional normal given β1_r (a second draw, Cholesky factor of Σ). The replicates have the
  same joint distribution as the package's k-dimensional draws, so the limits are the same statistics
  (only the random stream differs, as it does anyway between R's Mersenne-Twister and numpy).
  Because β1 is drawn first, switching the RII on does not change the SII limits for a given seed.
* When draws are back-transformed (rates/proportions without transform), the k per-quantile draws are
  made (the sum of log-normals has no closed form) in cache-sized blocks, transformed and reduced by one
  matrix product per block; only the 2 × R replicate coefficients are kept.
* Only the needed order statistics are selected, never a full sort: the candidates below (above) a
  threshold estimated from a 1-in-32 subsample are partitioned, which gives exactly the same order
  statistic as sorting all R replicates (all values outside the candidate set lie beyond it; if the
  candidate set is too small it falls back to ``np.partition`` of the whole row).
* Areas are processed in memory-bounded chunks (about 64 MB of replicate arrays each, so a few hundred
  MB at most with one chunk per core) on a thread pool. Each chunk has its own generator (SFC64) spawned
  from the seed, and the chunking depends only on the number of areas and of repetitions, so for a given
  seed and input the results do not depend on the number of threads. (As in R, where all areas share
  one stream, an area's limits depend on the seed and on its place among the areas of the call.)
"""

from __future__ import annotations

import math
import numbers
import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeAlias, cast

import numpy as np
import pandas as pd
from scipy.special import expit

from pipeline.methods._typing import ArrayLike, FloatArray
from pipeline.methods.confidence import Z95, level_text, normalise_levels

#: What `seed` may be: anything np.random.SeedSequence takes, a SeedSequence or a Generator.
Seed: TypeAlias = int | Sequence[int] | np.random.SeedSequence | np.random.Generator | None

VALUE_TYPE_NAMES = {0: "normal", 1: "rate", 2: "proportion"}
TRANSFORM_NAMES = {0: "none", 1: "log", 2: "logit"}
MIN_REPETITIONS = 1000
RELIABILITY_BLOCKS = 10
_CHUNK_BYTES = 64 * 2**20          # replicate arrays per chunk of areas (per worker)
_BLOCK_ELEMENTS = 1 << 17          # per-quantile draws processed at a time (1 MB, cache-sized)
_FILTER_MIN_REPS = 20_000          # below this, plain np.partition is as fast as the tail filter
_SUBSAMPLE_STRIDE = 32
_THRESHOLD_MARGIN = 0.01

RECORDS_REMOVED = "WARNING: some records have been removed due to incomplete or invalid data"
MANY_QUANTILES = "WARNING: Small values can make SII unstable when using a large number of quantiles"
MISSING_VALUES = "some groups have missing values; their SII, RII and limits are NA"


class SIIWarning(UserWarning):
    """Data-quality warnings of the SII (dropped groups, many quantiles, missing values)."""


# --------------------------------------------------------------------------------------------------
# helpers


def _g(v: FloatArray, value_type: int) -> FloatArray:
    """Working scale: identity, log or logit."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if value_type == 1:
            return np.log(v)
        if value_type == 2:
            return np.log(v / (1 - v))
    return v


def _f(v: FloatArray, value_type: int) -> FloatArray:
    """Inverse of the working scale: identity, exp or expit (= exp(v)/(1 + exp(v)))."""
    with np.errstate(over="ignore", invalid="ignore"):
        if value_type == 1:
            return np.exp(v)
        if value_type == 2:
            return expit(v)
    return v


def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _levels(confidence: Any) -> tuple[float, ...]:
    """Validate confidence levels as the package does (any vector; 0.9–1 or 90–100, not mixed)."""
    raw = [confidence] if np.ndim(confidence) == 0 else list(confidence)
    if not raw or not all(_is_number(c) for c in raw):
        raise ValueError("multiplier, repetitions and confidence inputs should be numeric")
    if any(c < 0.9 for c in raw) or (any(c > 1 for c in raw) and any(c < 90 for c in raw)) \
            or any(c > 100 for c in raw):
        raise ValueError("all confidence levels must be between 90 and 100 or between 0.9 and 1")
    levels = normalise_levels(raw)
    if len(set(levels)) != len(levels):
        raise ValueError(f"confidence levels repeated: {raw!r}")
    return levels


def _suffix(level: float, first: bool) -> str:
    """Column suffix: none for the first level, else the percent without its dot (99.8 % → '_998')."""
    return "" if first else "_" + level_text(level).rstrip("%").replace(".", "")


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
                values[i, :low.size] = cand[low]
            else:
                row.partition(low)
                values[i, :low.size] = row[low]
        if high.size:
            cand = row[row >= t_high[i]]
            offset = reps - cand.size
            if offset <= high[0]:
                local = high - offset
                cand.partition(local)
                values[i, low.size:] = cand[local]
            else:
                row.partition(high)
                values[i, low.size:] = row[high]
    return values[:, np.searchsorted(kth, idx)]


def regression_weights(population: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares weights (W0, W1), each shaped like ``population`` (groups, quantiles).

    ``a = P/ΣP``, ``b = cumsum(a) − a/2``; ``W1 = a(b − b̄)/Σa(b − b̄)²``, ``W0 = a/Σa − b̄·W1`` with
    ``b̄ = Σab/Σa``, so that for any response y: ``β0 = Σ W0·y`` and ``β1 = Σ W1·y`` are the weighted
    (weights a) least-squares intercept and slope of y on b — the same as R's
    ``lm(√a·y ~ √a + b√a − 1)`` (Low & Low 2004), written as ``(XᵀX)⁻¹Xᵀ·diag(√a)``.

    Example:
    >>> import numpy as np
    >>> w0, w1 = regression_weights(np.array([[1.0, 1.0, 1.0, 1.0, 1.0]]))   # five equal quintiles
    >>> w1.round(4).tolist()              # slope = Σ w1·y: y rising by 1 a quintile gives slope 5
    [[-1.0, -0.5, 0.0, 0.5, 1.0]]
    """
    p = np.asarray(population, dtype=float)
    a = p / p.sum(axis=-1, keepdims=True)
    b = np.cumsum(a, axis=-1) - a / 2
    sa = a.sum(axis=-1, keepdims=True)
    b_bar = (a * b).sum(axis=-1, keepdims=True) / sa
    w1 = a * (b - b_bar)
    w1 /= (w1 * (b - b_bar)).sum(axis=-1, keepdims=True)
    w0 = a / sa - b_bar * w1
    return w0, w1


# --------------------------------------------------------------------------------------------------
# simulation kernels (one chunk of areas each)


def _chunk_linear(gen: np.random.Generator, stats_of: Callable[[FloatArray], FloatArray], b1_hat: FloatArray,
                  sd1: FloatArray, b0_hat: FloatArray, c01: FloatArray, d0: FloatArray, total: int, need_b0: bool,
                  transform: bool, multiplier: float) -> tuple[FloatArray, FloatArray | None]:
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
        b0 = cast(FloatArray, z2)                      # drawn above: need_b0
        b0 *= d0[:, None]
        b0 += b0_hat[:, None]
        b0 += c01[:, None] * z1
        b1 = z1 * sd1[:, None]
        b1 += b1_hat[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            b1 += b0
            b1 /= b0                                   # (β0 + β1)/β0
            if multiplier < 0:
                np.reciprocal(b1, out=b1)
        rii = stats_of(b1)
        del b0, b1
    z1 *= multiplier * sd1[:, None]
    z1 += multiplier * b1_hat[:, None]
    return stats_of(z1), rii


def _chunk_backtransformed(gen: np.random.Generator, stats_of: Callable[[FloatArray], FloatArray], mu: FloatArray,
                           sd: FloatArray, w0: FloatArray, w1: FloatArray, total: int, need_b0: bool,
                           value_type: int, multiplier: float) -> tuple[FloatArray, FloatArray | None]:
    """Replicate statistics when draws are back-transformed (rates/proportions, transform = False).

    Draws (areas, k, block) normals at a time, ``y = f(μ + SE·z)``, and reduces each block with the
    least-squares weights to (β0_r, β1_r); returns (m·β1_r, RII_r or None). For rates the constant
    factor is moved into the weights: ``Σ W·exp(μ + SE·z) = Σ (W·e^μ)·exp(SE·z)``."""
    g, k = mu.shape
    block = max(256, _BLOCK_ELEMENTS // (g * k))
    weights = np.stack([w0, w1], axis=1) if need_b0 else w1[:, None, :]      # (g, 1|2, k)
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
            coef[:, :, start:start + n] = p
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


def phe_sii(*, population: ArrayLike, value: ArrayLike | None = None, x: ArrayLike | None = None,
            se: ArrayLike | None = None, lower: ArrayLike | None = None, upper: ArrayLike | None = None,
            value_type: int = 0,
            transform: bool = False, multiplier: float = 1, repetitions: int = 100_000,
            confidence: float | Sequence[float] = (0.95,), rii: bool = False, intercept: bool = False,
            reliability_stat: bool = False, seed: Seed = None, workers: int | None = None) -> dict[str, FloatArray]:
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
    levels = _check_arguments(value_type=value_type, transform=transform, multiplier=multiplier,
                              repetitions=repetitions, confidence=confidence, se=se, lower=lower, upper=upper)
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
    mu = _g(val, value_type)                                          # g(v)
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

    def stats_of(arr: FloatArray) -> FloatArray:                      # (g, total) → (g, blocks, 2, L)
        g = arr.shape[0]
        os_ = select_order_statistics(arr.reshape(g * blocks, repetitions), idx)
        return os_.reshape(g, blocks, 2, n_levels)

    if linear:
        mu_fit = mu                                                   # type 0: g is the identity
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
            s_stat, r_stat = _chunk_linear(gen, stats_of, b1_hat[sl], sd1[sl], b0_hat[sl], c01[sl], d0[sl],
                                           total, need_b0, transform, multiplier)
        else:
            s_stat, r_stat = _chunk_backtransformed(gen, stats_of, mu[sl], sd[sl], w0[sl], w1[sl], total,
                                                    need_b0, value_type, multiplier)
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
        s = sii_os                                                    # slope order statistics, g scale
        h = ((beta0 + (beta0 + beta1)) / 2)[:, None, None, None]      # fitted g at b = 1/2
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
            mads[name] = np.abs(lim[:, 1:] - lim[:, :1]).mean(axis=(1, 2))    # 9 blocks × 2 limits
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


def output_columns(levels: Sequence[float], rii: bool = False, intercept: bool = False,
                   reliability_stat: bool = False) -> dict[str, tuple[str, str, int | None]]:
    """Names of the statistic columns in output order, each mapped to (statistic, kind, level index).

    ``sii``, ``sii_lower_ci``, ``sii_upper_ci`` (first level), then ``sii_lower_ci_<pct>``,
    ``sii_upper_ci_<pct>`` per further level (99.8 % → ``_998``); the same for ``rii``; then
    ``sii_mad``/``rii_mad`` (+ suffixes); then ``intercept``.

    Example:
    >>> list(output_columns([0.95, 0.998]))
    ['sii', 'sii_lower_ci', 'sii_upper_ci', 'sii_lower_ci_998', 'sii_upper_ci_998']
    """
    cols: dict[str, tuple[str, str, int | None]] = {}
    for stat in ("sii", "rii") if rii else ("sii",):
        cols[stat] = (stat, "point", None)
        for j, c in enumerate(levels):
            sfx = _suffix(c, j == 0)
            cols[f"{stat}_lower_ci{sfx}"] = (stat, "lower", j)
            cols[f"{stat}_upper_ci{sfx}"] = (stat, "upper", j)
    if reliability_stat:
        for stat in ("sii", "rii") if rii else ("sii",):
            for j, c in enumerate(levels):
                cols[f"{stat}_mad{_suffix(c, j == 0)}"] = (stat, "mad", j)
    if intercept:
        cols["intercept"] = ("intercept", "point", None)
    return cols


def _method_text(repetitions: int) -> str:
    """The `method` column: 'simulation <R> reps'."""
    return f"simulation {int(repetitions)} reps"


# --------------------------------------------------------------------------------------------------
# DataFrame API


def sii_frame(df: pd.DataFrame, group_by: Sequence[str] | str = (), *, value_type: int = 0,
              transform: bool = False, multiplier: float = 1, repetitions: int = 100_000,
              confidence: float | Sequence[float] = (0.95,), rii: bool = False, intercept: bool = False,
              reliability_stat: bool = False, seed: Seed = None, quantile_col: str = "quantile",
              population_col: str = "population", value_col: str = "value", lower_col: str = "lower_ci",
              upper_col: str = "upper_ci", se_col: str | None = "se", x_col: str | None = None,
              workers: int | None = None) -> pd.DataFrame:
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
    have = {name: (col is not None and col in df.columns) for name, col in
            (("value", value_col), ("x", x_col), ("se", se_col), ("lower", lower_col), ("upper", upper_col))}
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
    arrays = {name: numeric_column(name, col) for name, col in
              (("value", value_col), ("x", x_col), ("se", se_col), ("lower", lower_col), ("upper", upper_col))}
    population = pop_series.to_numpy(dtype=float, na_value=np.nan)

    # Validate the whole input first (as the package does), on a single row of all records.
    common: dict[str, Any] = dict(value_type=value_type, transform=transform, multiplier=multiplier,
                                  repetitions=repetitions, confidence=confidence, rii=rii, intercept=intercept,
                                  reliability_stat=reliability_stat)
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
            "confidence": ", ".join(level_text(c) for c in levels), "method": _method_text(repetitions),
            "indicator_type": VALUE_TYPE_NAMES[int(value_type)],
            "transform": TRANSFORM_NAMES[int(value_type)] if transform else "none",
            "multiplier": multiplier}
    first_rows = rows[::n_q]
    out = df.iloc[first_rows][keys].reset_index(drop=True) if keys else pd.DataFrame(index=range(len(first_rows)))
    if len(first_rows) == 0:
        for name in output_columns(levels, rii, intercept, reliability_stat):
            out[name] = np.array([], dtype=float)
        for name in meta:
            out[name] = pd.Series([], dtype=float if name == "multiplier" else object)
        return out
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=MANY_QUANTILES)     # warned below with the right stack level
        result = phe_sii(population=population[rows].reshape(-1, n_q), value=shaped(arrays["value"]),
                         x=shaped(arrays["x"]), se=shaped(arrays["se"]), lower=shaped(arrays["lower"]),
                         upper=shaped(arrays["upper"]),
                         seed=seed, workers=workers, **common)
    if n_q > 10:
        warnings.warn(MANY_QUANTILES, SIIWarning, stacklevel=2)
    for name, values in result.items():
        out[name] = values
    for name, text in meta.items():
        out[name] = text
    return out


def _validate_records(population: FloatArray, arrays: dict[str, FloatArray | None], *, value_type: int,
                      transform: bool, multiplier: float, repetitions: int, confidence: float | Sequence[float],
                      rii: bool, intercept: bool, reliability_stat: bool) -> None:
    """Run `phe_sii`'s checks on all records at once (no simulation): errors before any grouping."""
    _check_arguments(value_type=value_type, transform=transform, multiplier=multiplier, repetitions=repetitions,
                     confidence=confidence, se=arrays["se"], lower=arrays["lower"], upper=arrays["upper"])
    _check_values(population, value=arrays["value"], x=arrays["x"], se=arrays["se"], lower=arrays["lower"],
                  upper=arrays["upper"], value_type=value_type)


def _check_arguments(*, value_type: Any, transform: bool, multiplier: Any, repetitions: Any,
                     confidence: float | Sequence[float], se: object, lower: object, upper: object
                     ) -> tuple[float, ...]:
    """`phe_sii`'s checks of its settings, in the package's order (PHEindicatormethods 2.1.0 `phe_sii`,
    methods.md §8.6); returns the confidence levels. One place for `phe_sii` and `sii_frame`."""
    if isinstance(value_type, str) or not _is_number(value_type) or value_type not in (0, 1, 2):
        raise ValueError("value_type should be 0, 1 or 2")
    if not (_is_number(multiplier) and _is_number(repetitions)):
        raise ValueError("multiplier, repetitions and confidence inputs should be numeric")
    if repetitions < MIN_REPETITIONS:
        raise ValueError("number of repetitions must be 1000 or greater. Default is 100,000")
    if not float(repetitions).is_integer():
        raise ValueError(f"repetitions must be a whole number, got {repetitions!r}")
    if transform and value_type == 0:
        raise ValueError("value_type should be 1 or 2 when transform is true")
    if transform and se is not None:
        raise ValueError("function phe_sii requires se to be missing when transform is true")
    if transform and (lower is None or upper is None):
        raise ValueError("function phe_sii requires lower_cl and upper_cl fields when transform is true")
    return _levels(confidence)


def _check_values(population: FloatArray, *, value: FloatArray | None, x: FloatArray | None, se: FloatArray | None,
                  lower: FloatArray | None, upper: FloatArray | None, value_type: int) -> None:
    """`phe_sii`'s checks of its data (float arrays, None when not given), in the package's order."""
    if np.any(np.isnan(population) | (population <= 0)):
        raise ValueError("some groups have a zero, negative or missing population")
    if se is not None and np.any(np.isnan(se) | (se < 0)):
        raise ValueError("negative or missing standard errors in input dataset")
    if lower is not None and upper is not None and np.any(np.isnan(lower) | np.isnan(upper)):
        raise ValueError("missing lower or upper confidence limits in input dataset")
    if value_type == 2:
        if value is not None and np.any((value < 0) | (value > 1)):
            raise ValueError("value proportions are not all between 0 and 1")
        if lower is not None and upper is not None and np.any((lower < 0) | (lower > 1) | (upper < 0) | (upper > 1)):
            raise ValueError("confidence limit proportions are not all between 0 and 1")
        if value is None and x is not None and np.any(x <= 0):
            raise ValueError("some groups have a zero or negative count x")
    if value is None and value_type != 2:
        raise ValueError("function phe_sii requires value field, or x field if indicator is a proportion of population")
