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

# The module is a package of three parts, in one direction (no circles):
#   core.py        regression weights on the cumulative rank midpoints, the working scale, the checks of arguments
#                  and values, the output columns (no randomness);
#   simulation.py  the simulated confidence limits: seeds, chunked kernels, order statistics, and `phe_sii`, the
#                  array function (point estimates and limits), which uses core;
#   frame.py       `sii_frame`, the DataFrame interface over `phe_sii`.
# This docstring is the one the methods appendix prints for the module; the names below are the public API.

from pipeline.methods.slope_index.core import (
    MANY_QUANTILES,
    MIN_REPETITIONS,
    MISSING_VALUES,
    RECORDS_REMOVED,
    TRANSFORM_NAMES,
    VALUE_TYPE_NAMES,
    SIIWarning,
    output_columns,
    regression_weights,
)
from pipeline.methods.slope_index.frame import sii_frame
from pipeline.methods.slope_index.simulation import RELIABILITY_BLOCKS, Seed, phe_sii, select_order_statistics

# phe_sii is known (in the model registry, the methods appendix and its snapshot) by its public name.
phe_sii.__module__ = __name__
sii_frame.__module__ = __name__

__all__ = [
    "MANY_QUANTILES",
    "MIN_REPETITIONS",
    "MISSING_VALUES",
    "RECORDS_REMOVED",
    "RELIABILITY_BLOCKS",
    "TRANSFORM_NAMES",
    "VALUE_TYPE_NAMES",
    "SIIWarning",
    "Seed",
    "output_columns",
    "phe_sii",
    "regression_weights",
    "select_order_statistics",
    "sii_frame",
]
