"""SII/RII core (methods.md §8; see the package docstring): the working scale and its inverse, the
least-squares weights on the cumulative population rank midpoints, the output columns, and `phe_sii`'s
checks of its arguments and values (shared by `phe_sii` and `sii_frame`). No randomness."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import expit

from pipeline.methods._typing import FloatArray
from pipeline.methods.confidence import level_text, normalise_levels

VALUE_TYPE_NAMES = {0: "normal", 1: "rate", 2: "proportion"}
TRANSFORM_NAMES = {0: "none", 1: "log", 2: "logit"}
MIN_REPETITIONS = 1000

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
    if any(c < 0.9 for c in raw) or (any(c > 1 for c in raw) and any(c < 90 for c in raw)) or any(c > 100 for c in raw):
        raise ValueError("all confidence levels must be between 90 and 100 or between 0.9 and 1")
    levels = normalise_levels(raw)
    if len(set(levels)) != len(levels):
        raise ValueError(f"confidence levels repeated: {raw!r}")
    return levels


def _suffix(level: float, first: bool) -> str:
    """Column suffix: none for the first level, else the percent without its dot (99.8 % → '_998')."""
    return "" if first else "_" + level_text(level).rstrip("%").replace(".", "")


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


def output_columns(
    levels: Sequence[float], rii: bool = False, intercept: bool = False, reliability_stat: bool = False
) -> dict[str, tuple[str, str, int | None]]:
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


def _validate_records(
    population: FloatArray,
    arrays: dict[str, FloatArray | None],
    *,
    value_type: int,
    transform: bool,
    multiplier: float,
    repetitions: int,
    confidence: float | Sequence[float],
    rii: bool,
    intercept: bool,
    reliability_stat: bool,
) -> None:
    """Run `phe_sii`'s checks on all records at once (no simulation): errors before any grouping."""
    _check_arguments(
        value_type=value_type,
        transform=transform,
        multiplier=multiplier,
        repetitions=repetitions,
        confidence=confidence,
        se=arrays["se"],
        lower=arrays["lower"],
        upper=arrays["upper"],
    )
    _check_values(
        population,
        value=arrays["value"],
        x=arrays["x"],
        se=arrays["se"],
        lower=arrays["lower"],
        upper=arrays["upper"],
        value_type=value_type,
    )


def _check_arguments(
    *,
    value_type: Any,
    transform: bool,
    multiplier: Any,
    repetitions: Any,
    confidence: float | Sequence[float],
    se: object,
    lower: object,
    upper: object,
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


def _check_values(
    population: FloatArray,
    *,
    value: FloatArray | None,
    x: FloatArray | None,
    se: FloatArray | None,
    lower: FloatArray | None,
    upper: FloatArray | None,
    value_type: int,
) -> None:
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
